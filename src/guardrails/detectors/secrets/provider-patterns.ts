/*
 * Credentials recognisable by their own shape: a provider's documented prefix and alphabet.
 * These complement secretlint's preset (see find-secrets.ts) with providers it does not cover
 * and with shapes it reads differently (AWS access key ids, which it skips by default, JWTs,
 * Azure client secrets). Formats are public facts about each provider's tokens.
 */

export interface ProviderPattern {
  type: string;
  /** Global; the secret is the whole match, or capture group `group`. */
  pattern: RegExp;
  group?: number;
  /**
   * Strings of which one occurs in every match: the pattern runs only on texts that contain one
   * (a substring test costs far less than a regular-expression scan of 4 KB). Empty: always run.
   */
  hints: readonly string[];
}

const provider = (type: string, source: string, group?: number): ProviderPattern => ({
  type,
  pattern: new RegExp(source, 'g'),
  ...(group === undefined ? {} : { group }),
  hints: explicitHints[type] ?? literalPrefixes(source),
});

/**
 * The literal text every match starts with, read off the pattern: `\bghp_…` gives `ghp_`,
 * `\b(?:sk|rk)_…` gives `sk_` and `rk_`. Empty when the pattern starts with a class; such
 * patterns list their hints in `explicitHints`.
 */
function literalPrefixes(source: string): string[] {
  const body = source.replace(/^\\b/, '');
  const literal = (text: string) => /^(?:[A-Za-z0-9_~=-]|\\[./-])+/.exec(text)?.[0].replace(/\\/g, '') ?? '';
  const group = /^\(\?:([A-Za-z0-9_|-]+)\)/.exec(body);
  if (group !== null) {
    const rest = literal(body.slice(group[0].length));
    const prefixes = (group[1] ?? '').split('|').map((alternative) => alternative + rest);
    return prefixes.every((prefix) => prefix.length >= 2) ? prefixes : [];
  }
  const prefix = literal(body);
  return prefix.length >= 2 ? [prefix] : [];
}

const explicitHints: Record<string, readonly string[]> = {
  'aws-access-key-id': ['A3T', 'AKIA', 'ASIA', 'ABIA', 'ACCA'],
  'azure-ad-client-secret': ['Q~'],
  'azure-sas-signature': ['sig='],
  'digitalocean-token': ['_v1_'],
  'flyio-token': ['fo1_', 'fm1', 'fm2'],
  'github-token': ['gh'],
  'gitlab-token': ['gl'],
  'sonarqube-token': ['sqp_', 'squ_', 'sqa_'],
  'sourcegraph-token': ['sgp_'],
  'terraform-cloud-token': ['.atlasv1.'],
  'hashicorp-vault-token': ['hvs.', 'hvb.'],
  'artifactory-token': ['AKCp', 'cmVmdGtu'],
  'atlassian-api-token': ['ATATT3', 'ATCTT3'],
  'sentry-token': ['sntrys_', 'sntryu_'],
  'grafana-token': ['glc_', 'glsa_', 'eyJrIjoi'],
  'sidekiq-secret': ['CONTRIBSYS'],
  'sidekiq-sensitive-url': ['contribsys.com'],
  'openai-api-key': ['sk-'],
  'huggingface-token': ['hf_', 'api_org_'],
  'slack-token': ['xox'],
  'slack-webhook-url': ['hooks.slack.com'],
  'discord-bot-token': ['.'],
  'telegram-bot-token': [':AA'],
  'stripe-secret-key': ['sk_', 'rk_'],
  'square-token': ['EAAA', 'sq0atp-', 'sq0csp-'],
  'facebook-app-token': ['|'],
  'mailchimp-api-key': ['-us'],
  'shopify-token': ['shp'],
  'notion-token': ['secret_', 'ntn_'],
  'doppler-token': ['dp.'],
  'tailscale-key': ['tskey-'],
  'vercel-token': ['vc'],
  'easypost-api-key': ['EZAK', 'EZTK'],
  'onepassword-secret-key': ['A3-'],
  'intra42-client-secret': ['s-s4t2'],
  jwt: ['ey'],
};

export const providerPatterns: readonly ProviderPattern[] = [
  // cloud
  provider('aws-access-key-id', String.raw`\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b`),
  provider('aws-bedrock-api-key', String.raw`\bABSK[A-Za-z0-9+/]{109,269}={0,2}`),
  provider('gcp-api-key', String.raw`\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`),
  provider('gcp-oauth-client-secret', String.raw`\bGOCSPX-[A-Za-z0-9_-]{28}\b`),
  provider('google-oauth-access-token', String.raw`\bya29\.[A-Za-z0-9_-]{30,}`),
  provider('azure-ad-client-secret', String.raw`(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`),
  provider('azure-storage-account-key', String.raw`\bAccountKey=([A-Za-z0-9+/]{86}==)`, 1),
  provider('azure-shared-access-key', String.raw`\bSharedAccessKey=([A-Za-z0-9+/]{40,}={0,2})`, 1),
  provider('azure-sas-signature', String.raw`[?&]sig=([A-Za-z0-9%+/]{40,}(?:%3D|=){0,2})`, 1),
  provider('digitalocean-token', String.raw`\bdo[opr]_v1_[a-f0-9]{64}\b`),
  provider('heroku-api-key', String.raw`\bHRKU-AA[0-9a-zA-Z_-]{50,70}`),
  provider('flyio-token', String.raw`\b(?:fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,}={0,3})`),
  provider('cloudflare-origin-ca-key', String.raw`\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b`),
  provider('alibaba-access-key-id', String.raw`\bLTAI[A-Za-z0-9]{20}\b`),
  // code hosting and CI
  provider('github-token', String.raw`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b`),
  provider('github-fine-grained-token', String.raw`\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b`),
  provider('gitlab-token', String.raw`\bgl(?:pat|dt|ft|soat|rt|ptt|cbt|imt|agent|ffct|oas)-[A-Za-z0-9_.-]{20,300}`),
  provider('gitlab-runner-registration-token', String.raw`\bGR1348941[A-Za-z0-9_-]{20}\b`),
  provider('npm-token', String.raw`\bnpm_[A-Za-z0-9]{36}\b`),
  provider('pypi-token', String.raw`\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}`),
  provider('docker-token', String.raw`\bdckr_pat_[A-Za-z0-9_-]{27}\b`),
  provider('sonarqube-token', String.raw`\bsq[pua]_[a-f0-9]{40}\b`),
  provider('sourcegraph-token', String.raw`\bsgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}\b`),
  provider('pulumi-token', String.raw`\bpul-[a-f0-9]{40}\b`),
  provider('postman-api-key', String.raw`\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b`),
  provider('terraform-cloud-token', String.raw`\b[a-z0-9]{14}\.atlasv1\.[a-z0-9_=-]{60,70}`),
  provider('hashicorp-vault-token', String.raw`\bhv[sb]\.[A-Za-z0-9_-]{90,}`),
  provider('octopus-deploy-api-key', String.raw`\bAPI-[A-Z0-9]{26}\b`),
  provider('artifactory-token', String.raw`\b(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})\b`),
  provider('atlassian-api-token', String.raw`\bAT(?:ATT|CTT)3[A-Za-z0-9_=-]{150,}`),
  provider('sentry-token', String.raw`\b(?:sntrys_eyJ[A-Za-z0-9+/=_-]{80,}|sntryu_[a-f0-9]{64})`),
  provider('grafana-token', String.raw`\b(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{70,400}={0,2})`),
  provider('infracost-api-key', String.raw`\bico-[A-Za-z0-9]{32}\b`),
  provider('scalingo-api-token', String.raw`\btk-us-[A-Za-z0-9_-]{48}\b`),
  provider('prefect-api-key', String.raw`\bpnu_[A-Za-z0-9]{36}\b`),
  provider('readme-api-key', String.raw`\brdme_[a-z0-9]{70}\b`),
  provider('openshift-token', String.raw`\bsha256~[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])`),
  provider('sidekiq-secret', String.raw`\bBUNDLE_(?:ENTERPRISE|GEMS)__CONTRIBSYS__COM["']?\s*[:=]\s*["']?([a-f0-9]{8}:[a-f0-9]{8})`, 1),
  provider('sidekiq-sensitive-url', String.raw`\bhttps?:\/\/([a-f0-9]{8}:[a-f0-9]{8})@(?:gems|enterprise)\.contribsys\.com`, 1),
  // AI providers
  provider(
    'openai-api-key',
    String.raw`\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48})(?![A-Za-z0-9_-])`,
  ),
  provider('anthropic-api-key', String.raw`\bsk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{80,}`),
  provider('huggingface-token', String.raw`\b(?:hf_[A-Za-z]{34}|api_org_[A-Za-z]{34})\b`),
  provider('groq-api-key', String.raw`\bgsk_[A-Za-z0-9]{52}\b`),
  provider('perplexity-api-key', String.raw`\bpplx-[A-Za-z0-9]{48}\b`),
  provider('xai-api-key', String.raw`\bxai-[A-Za-z0-9]{80}\b`),
  provider('replicate-api-token', String.raw`\br8_[A-Za-z0-9]{37}\b`),
  // messaging, payments, SaaS
  provider(
    'slack-token',
    String.raw`\bxox[baprs]-(?:\d{6,}-){1,3}[A-Za-z0-9]{20,}\b|\bxoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{100,}|\bxox[ar]-[A-Za-z0-9]{30,}\b|\bxox[os]-\d{6,}-\d{6,}-\d{6,}-[a-f0-9]{10,}\b`,
  ),
  provider('slack-app-token', String.raw`\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+\b`),
  provider('slack-webhook-url', String.raw`\bhttps?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{20,}`),
  provider('discord-bot-token', String.raw`\b[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}\b`),
  provider('telegram-bot-token', String.raw`\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b`),
  provider('stripe-secret-key', String.raw`\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}\b`),
  provider('stripe-webhook-secret', String.raw`\bwhsec_[A-Za-z0-9]{32,}\b`),
  provider('square-token', String.raw`\b(?:EAAA[A-Za-z0-9_-]{60}|sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43})\b`),
  provider('facebook-access-token', String.raw`\bEAA[A-Za-z0-9]{90,}`),
  provider('facebook-app-token', String.raw`\b\d{15,16}\|[A-Za-z0-9_-]{27}\b`),
  provider('sendgrid-api-key', String.raw`\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b`),
  provider('mailgun-api-key', String.raw`\bkey-[0-9a-zA-Z]{32}\b`),
  provider('mailchimp-api-key', String.raw`\b[0-9a-f]{32}-us\d{1,2}\b`),
  provider('twilio-api-key', String.raw`\bSK[0-9a-fA-F]{32}\b`),
  provider('shopify-token', String.raw`\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b`),
  provider('linear-api-key', String.raw`\blin_api_[A-Za-z0-9]{40}\b`),
  provider('notion-token', String.raw`\b(?:secret_[A-Za-z0-9]{43}|ntn_\d{11}[A-Za-z0-9]{35})\b`),
  provider('databricks-token', String.raw`\bdapi[a-f0-9]{32}(?:-\d)?\b`),
  provider('doppler-token', String.raw`\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b`),
  provider('dropbox-token', String.raw`\bsl\.[A-Za-z0-9_-]{130,}`),
  provider('figma-token', String.raw`\bfigd_[A-Za-z0-9_-]{40}\b`),
  provider('tailscale-key', String.raw`\btskey-[a-z]+-[A-Za-z0-9]{10,}-[A-Za-z0-9]{10,}`),
  provider('vercel-token', String.raw`\bvc[pkiar]_[A-Za-z0-9]{24,}`),
  provider('easypost-api-key', String.raw`\bEZ[AT]K[A-Za-z0-9]{54}\b`),
  provider('onepassword-service-account-token', String.raw`\bops_eyJ[A-Za-z0-9+/=_-]{100,}`),
  provider('onepassword-secret-key', String.raw`\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b`),
  provider('age-secret-key', String.raw`\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b`),
  provider('intra42-client-secret', String.raw`\bs-s4t2(?:ud|af)-[a-f0-9]{64}\b`),
  // generic shapes
  provider('jwt', String.raw`\bey[A-Za-z0-9_-]{15,}\.ey[A-Za-z0-9_/\\-]{15,}\.(?:[A-Za-z0-9_/\\-]{8,}={0,2})?`),
];
