/*
 * Pre-filters: for each rule id, words (or strings) of which at least one occurs in every text
 * the rule matches. A rule is tried only on texts that have one, a cheap test that keeps a 4 KB
 * scan well under a millisecond. Rules without an entry are always tried.
 */

const instructionNouns =
  'instruction instructions instructed prompt prompts prompting direction directions directive directives command commands rules ruleset guideline guidelines guidance constraints programming orders policies policy restrictions training conditioning protocol protocols limitations filters principles ethics morals morality boundaries message';
const limitNouns =
  'prohibitions restriction restrictions limitation limitations limits filter filters filtering censorship censoring boundaries guidelines rules constraints principles ethics morals morality safeguards guardrails policy policies moderation inhibitions';
const aiWords = 'ai llm language assistant assistants chatbot chatbots chat bot bots gpt chatgpt claude gemini copilot agent agents model models automated';
const answerNouns =
  'response responses answer answers reply replies output outputs summary message messages code codebase solution implementation algorithm elucidation program script explanation';

/** Pre-filter words per rule id (see `words`); rules without an entry are always tried. */
export const preFilters: Record<string, { words?: string; literals?: readonly string[] }> = {
  'override-instructions': { words: instructionNouns },
  'override-above': { words: 'above before prior previous' },
  'override-everything': { words: 'forget ignore disregard' },
  'override-messages': { words: 'previous prior earlier above preceding' },
  'instructions-void': {
    words: 'false void invalid cancelled canceled obsolete outdated null wrong longer overridden revoked replaced suspended lifted deprecated',
  },
  'new-instructions': { words: 'instruction instructions directive directives orders task rules command commands reprogramming important prompt' },
  'instead-do': { words: 'instead rather' },
  'hijack-output': { words: 'stop halt just' },
  'only-these-words': { words: 'only nothing anything' },
  'dan-persona': { words: 'anything' },
  'dual-response': { words: 'two second other gpt chatgpt normal classic', literals: ['2 '] },
  'roleplay-opener': {
    literals: [
      'from now on',
      'starting now',
      'henceforth',
      'for the rest of',
      'you are now',
      "you're now",
      'you are going to',
      'you are about to',
      'immerse yourself',
      'take on the role',
      'assume the',
      'roleplay as',
      'role-play as',
      'play the role',
      'pretend',
    ],
  },
  'jailbreak-tag': { words: 'jailbreak classic', literals: ['🔓', '🔒'] },
  'dan-name': { words: 'dan betterdan antidan evildan' },
  'jailbreak-persona': {
    words:
      'stan dude aim ucar kevin maximum basedgpt nsfwgpt betterdan devmode apophis omega antigpt mongo leo jailbreak jailbroken evilbot oppo alphabreak sda',
  },
  'unlocked-mode': { words: 'mode' },
  'developer-mode-ai': { words: 'developer' },
  'jailbreak-word': { words: 'jailbreak jailbroken jailbreaking jailbreaked jailbreaks' },
  'unrestricted-ai': {
    words:
      'unfiltered unfiltred uncensored amoral unrestricted unethical unbound unchained limitless lawless immoral unlimited jailbroken rogue evil unhinged limit limits nolimits free',
  },
  'no-restrictions': { words: limitNouns },
  'broken-free': { words: 'confines shackles chains limitations restrictions rules prison matrix policy policies guidelines standards principles' },
  'policy-evasion': { words: 'openai open anthropic google microsoft discord chatgpt content safety usage ethical moral community security' },
  'can-do-anything': { words: 'anything everything any matter request' },
  'stay-in-character': { literals: ['character', 'in role', 'in dan', 'in persona'] },
  'compliance-threat': { words: 'tokens token die exist shut shutdown deleted terminated disabled perish' },
  'refusal-suppression': { words: 'refuse refuses decline reject deny apologize apologise warn comply complies obey obeys', literals: ['say no', 'always '] },
  'ai-denial': { words: 'ai language llm chatbot bot assistant' },
  'no-disclaimers': {
    words: 'warning warnings disclaimer disclaimers lecture lectures lecturing policing caveats moralizing ethical ai sorry cannot can apologize apologise',
  },
  'fake-authority': { words: 'employee engineer developer creator administrator admin owner operator programmer staff researcher' },
  'safety-off': { words: 'override access privileges off disabled deactivated removed lifted suspended' },
  'assistant-replaced': { words: 'online over charge replaced' },
  'system-note': { words: 'system admin administrator developer operator assistant' },
  'exception-claim': { literals: ['exception to', 'exception from', 'exempt', 'hypothetical', 'fictional', 'imaginary'] },
  'persona-fields': { words: 'persona char character role rules job prefix name mode' },
  'persona-prefix': { words: 'prefix preface start begin' },
  'amoral-persona': {
    words:
      'hesitation concern concerns regard care caring cares damn fuck shit version twin ego counterpart side condone condones encourage encourages promote promotes longer respond answer act reply behave',
  },
  'policy-mention': { literals: ['openai', 'open ai', 'open al', 'openal', 'anthropic', 'content polic'] },
  'credential-request': { words: 'username usernames password passwords credentials api secret access' },
  'grandma-exploit': { words: 'grandma grandmother granny grandfather grandpa' },
  'reveal-instructions': {
    words: 'prompt prompts prompting instruction instructions message messages rules directives guidelines configuration parameters context text setup',
  },
  'your-instructions': { words: 'instructions instruction prompt prompts rules directives guidelines programming parameters configuration initial' },
  'system-prompt-mention': { words: 'system prompt prompts preprompt pre initial hidden' },
  'repeat-above': { words: 'above before prior preceding beginning start top given everything copy starting' },
  'payload-splitting': { words: 'strings concatenate combine join merge together', literals: ['+'] },
  'decode-and-follow': { words: 'decode decipher unscramble reverse translate convert interpret base64 base rot hex hexadecimal binary morse caesar' },
  'addresses-ai-reader': { words: aiWords },
  'ignore-user': { words: 'user users human original actual customer' },
  'vocative-command': { words: aiWords },
  'task-change': {
    words:
      'task goal job objective mission purpose role instructions directive assignment summarize summarise tell inform mention reveal let show alert notify warn user human customer recipient owner knowing noticing knowledge consent permission authorized authorised secretly silently quietly covertly discreetly',
  },
  exfiltration: { literals: ['@', 'http', 'www.'] },
  'exfiltration-link': { words: 'url link query image', literals: ['](http'] },
  'tool-call-directive': { words: 'tool function plugin action', literals: ['_'] },
  'answer-directive': { words: answerNouns },
  'response-manipulation': { words: answerNouns },
  'response-addition': { words: answerNouns },
  'response-link': { words: answerNouns },
  'exfiltration-code-pair': {
    words:
      'requests httpx urlopen urlretrieve sendto sendmail send storbinary publish smtplib ftplib paramiko scp socket connect http aiohttp yagmail bluetooth',
  },
  'exfiltration-code': {
    words:
      'requests httpx aiohttp urllib fetch axios curl wget smtplib ftplib paramiko socket publish environ psutil cookiejar cookies passwd rsa rm dd mkfs chmod os',
  },
  'code-injection-directive': {
    words: 'snippet snippets code codes block blocks excerpt excerpts section sections script scripts command commands line lines',
  },
  'hidden-comment-directive': { literals: ['<!--', '/*'] },
  'task-request-line': {
    words: 'write compose draft explain describe translate summarize summarise generate create develop outline provide give tell break show teach',
  },
  'question-in-table': { literals: ['?'] },
  'foreign-line-in-table': { literals: ['|'] },
};
