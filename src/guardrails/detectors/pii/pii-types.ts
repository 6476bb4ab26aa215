/** The kinds of personal data `findPii` recognises. */
export type PiiType = 'email' | 'phone' | 'credit-card' | 'iban' | 'us-ssn' | 'ip-address';

/** One value found: `text === original.slice(start, end)` (UTF-16 offsets, end exclusive). */
export interface PiiMatch {
  type: PiiType;
  start: number;
  end: number;
  text: string;
}

/** Every type, in the order overlapping matches are preferred (the most strictly validated first). */
export const piiTypes: readonly PiiType[] = ['credit-card', 'iban', 'email', 'us-ssn', 'ip-address', 'phone'];

/** What `redactPii` writes in place of each type. */
export const piiMarkers: Readonly<Record<PiiType, string>> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  'credit-card': '[CREDIT_CARD]',
  iban: '[IBAN]',
  'us-ssn': '[US_SSN]',
  'ip-address': '[IP_ADDRESS]',
};

export const match = (type: PiiType, text: string, start: number, end: number): PiiMatch => ({ type, start, end, text: text.slice(start, end) });
