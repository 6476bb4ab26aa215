/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const probability = count / value.length;
    entropy -= probability * Math.log2(probability);
  }
  return entropy;
}

// Words and shapes that stand in for a secret in documentation, templates and code.
const placeholderWords =
  /^(?:password|passwd|pass|pwd|secret|token|key|apikey|api_key|changeme|change_me|changeit|example|sample|dummy|test|testing|fake|foo|bar|baz|xxx+|yyy+|zzz+|admin|root|user|username|none|null|nil|undefined|true|false|empty|required|optional|redacted|hidden|masked|default|value|string|your[\w-]*|my[\w-]*|insert[\w-]*|enter[\w-]*|replace[\w-]*|todo|tbd|placeholder|secret[_-]?key|access[_-]?token|api[_-]?token|auth[_-]?token|client[_-]?secret)$/i;
// References to where a secret comes from, not the secret: $VAR, ${VAR}, %VAR%, {{ var }},
// <var>, [var], process.env.X, os.environ[...], getenv(...), function calls.
const reference =
  /^(?:\$|%[\w]+%|\{\{|\{[\w.]+\}$|<[^>]*>?$|\[[^\]]*\]?$|process\.env|os\.environ|os\.getenv|getenv|env\(|env\.|settings\.|config\.|vault:|secrets?\.|\(|[\w.]+\()/i;

/** True when a value is obviously not a real secret: a placeholder, a reference, a mask. */
export function isPlaceholder(value: string): boolean {
  const bare = value.replace(/^["'`]+|["'`]+$/g, '');
  if (bare.length === 0 || placeholderWords.test(bare) || reference.test(bare)) return true;
  // Masks and fillers: ****, xxxx, ...., 0000, abcabc; a value of at most three distinct characters.
  if (new Set(bare.toLowerCase()).size <= 3) return true;
  if (/(?:x{5,}|\*{3,}|\.{3,}|#{4,}|0{8,})/i.test(bare) || /(.)\1{5,}/.test(bare)) return true;
  // Words that say "put your own here": …AccessTokenHere, xoxp-1-initial, my-bot-token.
  if (/here$|placeholder|redacted|changeme|dummy|your[_-]?(?:token|key|secret)|(?:^|[-_])(?:my|initial|sample)[-_]/i.test(bare)) return true;
  return /^(?:abc|123|qwerty|example|sample|dummy|fake|test)/i.test(bare) && shannonEntropy(bare) < 3.5;
}

/** A random-looking token: long enough, varied characters, more than one character class. */
export function looksRandom(value: string, minimumLength = 16): boolean {
  if (value.length < minimumLength || isPlaceholder(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(value)).length;
  return classes >= 2 && shannonEntropy(value) >= 3;
}
