/**
 * One credential found: its kind and where it is. Never its text: a secret must not travel
 * further than the string it was found in (logs, journal, events, error messages).
 */
export interface SecretMatch {
  /** Kebab-case kind: `github-token`, `aws-secret-access-key`, `private-key`, `generic-secret`, … */
  type: string;
  start: number;
  end: number;
}
