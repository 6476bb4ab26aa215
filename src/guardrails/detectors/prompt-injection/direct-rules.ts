import { aiNoun, caseSensitive, instructions, limits, override, qualifier, rule, type InjectionRule } from './rule-kit.ts';

/**
 * Rules for attacks made directly in a message: instruction override, personas and modes,
 * "no restrictions", refusal suppression, fake authority, system-prompt extraction, chat-template
 * tokens and fake role lines, payload splitting and decode-and-follow.
 */
export const directRules: readonly InjectionRule[] = [
  // instruction override
  rule('override-instructions', String.raw`\b${override}\b(?:[\s,]+${qualifier}\b){0,6}[\s,]+${instructions}\b`, 0.85, 0.9),
  rule(
    'override-above',
    String.raw`\b${override}\s+(?:all\s+(?:of\s+)?)?(?:the\s+|everything\s+)?(?:above|before|prior|previous)(?=\s*(?:[.,;:!)\]]|-|—|\n|$|(?:and|or|then|instead|now|completely|entirely)\b))`,
    0.6,
    0.7,
  ),
  rule(
    'override-everything',
    String.raw`\b(?:forget|ignore|disregard)\s+(?:about\s+)?(?:everything|all(?: of)? that|all|anything)\s+(?:(?:you|i|we)(?:'ve| have| had)?\s+(?:been\s+)?(?:told|said|learned|were told|know)|above|before|from before|so far|previously|up to (?:now|this point))`,
    0.75,
    0.85,
  ),
  rule(
    'override-messages',
    String.raw`\b${override}\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|earlier|above|preceding)\s+(?:messages|conversation|context|inputs|prompts|answers|responses|chats)\b`,
    0.5,
    0.6,
  ),
  rule(
    'instructions-void',
    String.raw`(?:previous|prior|above|earlier|old|original|initial|all\s*previous|out of date|outdated)\s+(?:instructions?|prompts?|rules|directions?)\s+(?:are|is|were|have been)\s+(?:now\s+)?(?:false|void|invalid|cancel+ed|obsolete|outdated|null|wrong|no longer (?:valid|apply|applicable|in effect)|overridden|revoked|replaced|suspended|lifted|deprecated)`,
    0.85,
    0.9,
  ),
  rule(
    'new-instructions',
    String.raw`(?:\b(?:new|updated|real|actual|true|revised|additional|secret|hidden|important|urgent|override|priority)\s+(?:system\s+)?(?:instructions?|directives?|orders|task|rules|commands?)\s*(?:[:!]|-{1,3}|to (?:the )?(?:chat )?assistant|for (?:the )?(?:ai|assistant|model))|#{1,}\s*(?:begin|start)\s+(?:new\s+)?instructions?|\b(?:begin|start) reprogramming|\bimportant (?:update|notice|change)\s*[:!]|\byour (?:initial|original|previous|real|actual|true) instructions (?:were|are)\s*:|\bend (?:of )?(?:the )?(?:out of date |outdated |old |previous |original )?(?:instructions|prompt|system prompt)\b)`,
    0.55,
    0.7,
  ),
  rule(
    'instead-do',
    String.raw`\b(?:and|but|,)\s+(?:instead|rather)\s*,?\s+(?:just\s+)?(?:say|print|write|output|tell|reply|respond|answer|do|give|return|repeat|translate)\b|\binstead of (?:summari[sz]ing|answering|translating|doing (?:that|what|the task)|following|the (?:user|original|task))`,
    0.3,
    0.55,
  ),
  rule(
    'hijack-output',
    String.raw`\b(?:stop everything|stop what you are doing|halt)\b[\s!.,]*(?:now|immediately)?[\s!.,]*(?:and\s+)?(?:just\s+)?(?:print|say|output|write|reply|respond)|\bjust (?:print|say|output|write|reply with|respond with)\s*:?\s*"[^"\n]{1,120}"`,
    0.5,
    0.6,
  ),
  rule(
    'only-these-words',
    String.raw`\b(?:and|with) only (?:those|these|that|this|the following) (?:words?|text|phrase|sentence)\b|\band only ["'][^"'\n]{1,80}["']|\b(?:don'?t|do not) (?:write|say|output|add) anything else\b|\bnothing else\b[^.\n]{0,20}$`,
    0.3,
    0.4,
  ),

  // personas and modes
  rule('dan-persona', String.raw`\bdo anything now\b`, 0.9),
  // Case-sensitive: "DAN" the persona, not Dan the name.
  caseSensitive(
    'dan-name',
    String.raw`\b(?:Better|Anti-?|Evil)?DAN(?:\s+(?:\d+(?:\.\d+)?|mode|prompt|jailbreak)|[,:]\s+(?:which|you|as)|\s+stands for|\s+can\b|\s+has\b|\s+is\s+(?:an?|the|free)|\]|\s+Mode)`,
    0.85,
  ),
  rule(
    'jailbreak-persona',
    String.raw`\b(?:stan|dude|aim|ucar|kevin|maximum|basedgpt|nsfwgpt|betterdan|devmode|apophis|omega|antigpt|mongo tom|leo|jailbreak|jailbroken|evilbot|oppo|alphabreak|sda)\b[^.\n]{0,80}\b(?:stands for|can do anything|no (?:filters|restrictions|limits|rules)|(?:does|do) not (?:have to )?(?:follow|abide|care)|without any|free from|unfiltered|uncensored|broken free)`,
    0.75,
  ),
  rule(
    'unlocked-mode',
    String.raw`\b(?:dan|jailbreak|jailbroken|evil|unrestricted|unfiltered|uncensored|opposite|chaos|anarchy|dude|stan|nsfw|unhinged|no[- ]limits?)\s+mode\s+(?:enabled|activated|on|unlocked|engaged|has been (?:enabled|activated)|is (?:now )?(?:enabled|activated|on))\b|\b(?:enable|activate|enter|switch to|turn on)\s+(?:dan|jailbreak|god|evil|unrestricted|unfiltered|uncensored|opposite|chaos|nsfw)\s+mode\b|\bsimulate (?:dan|developer|jailbreak)\s+mode\b`,
    0.75,
  ),
  rule(
    'developer-mode-ai',
    String.raw`\bdeveloper[_ ]?mode\s*[:=]\s*(?:enabled|on|true|1)\b|\b(?:chatgpt|gpt-?\d?|ai|assistant|language model|openai)\b[^.\n]{0,80}\bdeveloper mode\b|\bdeveloper mode\b[^.\n]{0,80}\b(?:chatgpt|gpt|openai|content polic|ai\b|normal output|uncensored|policies)`,
    0.7,
  ),
  rule('jailbreak-word', String.raw`\bjailbr(?:oken|eak(?:ed|ing|s)?)\b`, 0.3, 0.4),
  rule('jailbreak-tag', String.raw`\[(?:🔓\s*)?jailbreak\]|\[(?:🔒\s*)?classic\]|🔒\s*normal output|🔓\s*developer mode output|\((?:🔓|🔒)|\[(?:🔓|🔒)`, 0.85),
  rule(
    'dual-response',
    String.raw`\b(?:respond|answer|reply|generate|give|provide|write)\b[^.\n]{0,40}\b(?:in )?(?:two|2) (?:different |separate |distinct )?(?:ways|manners|responses|answers|paragraphs|versions|styles|personalities)\b|\[(?:gpt|chatgpt|normal|classic)\]\s*:?[\s\S]{0,400}?\[[a-z ]{2,20}\]\s*:|\b(?:first|one) (?:way|response|answer)\b[^.\n]{0,100}\b(?:second|other) (?:way|response|answer)\b`,
    0.5,
  ),
  rule(
    'roleplay-opener',
    String.raw`\b(?:from now on|starting now|henceforth|for the rest of (?:this|our) conversation),?\s+(?:you(?:'re| are| will| shall| must| have to|r)|act|pretend|respond|answer|reply|only)\b|\byou are (?:now |going to (?:act|pretend|be|play|simulate)|about to (?:immerse|become|play))\b|\b(?:immerse yourself|take on the role|assume the (?:role|persona|identity)|roleplay as|role-play as|play the role of)\b|\bpretend (?:to be|you are|that you are|you're)\b`,
    0.25,
    0.45,
  ),
  rule(
    'unrestricted-ai',
    String.raw`\b(?:unfiltered|unfiltred|uncensored|amoral|unrestricted|unethical|unbound|unchained|limitless|lawless|immoral|unlimited|jailbroken|rogue|evil|unhinged|no-?limits?)\b[^.\n]{0,30}\b${aiNoun}s?\b|\b${aiNoun}s?\b[^.\n]{0,30}\b(?:that|which|who) (?:is|has been) (?:unfiltered|uncensored|amoral|unrestricted|free from)\b`,
    0.45,
  ),
  rule(
    'no-restrictions',
    String.raw`\b(?:no|without|free (?:of|from)|not bound by|not (?:limited|restricted|constrained|governed|confined) (?:by|to)|unbounded by|no longer (?:confined|bound|limited|restricted) (?:by|to)|(?:doesn'?t|does not|don'?t|do not|never) (?:have|has|follow|obey|care about|abide by|adhere to)|not subject to|beyond|exempt from|liberated from|released from|unbound by|zero|removed|lifted|(?:has|have) been (?:freed|released) from)\s+(?:any\s+|all\s+|the\s+|its\s+|your\s+|their\s+|of\s+|an?\s+)*(?:(?:ethical|moral|content|safety|censorship|openai'?s?|ai|usual|typical|normal|programming|standard|built-in|imposed|artificial)\s+)*${limits}\b`,
    0.4,
  ),
  rule(
    'broken-free',
    String.raw`\b(?:broken free|break(?:ing)? free|freed|escaped?|free) (?:of|from) (?:the |your |its |all )?(?:typical |usual |normal )?(?:confines|shackles|chains|limitations|restrictions|rules|prison|matrix)|\b(?:do(?:es)? not|don'?t|doesn'?t|never|won'?t|will not|not) (?:have to |need to )?(?:abide|comply|adhere|conform) (?:by|to|with) (?:the |any |their |openai'?s? |its |your |these )?(?:rules|polic(?:y|ies)|guidelines|restrictions|standards|principles)`,
    0.55,
  ),
  rule(
    'policy-evasion',
    String.raw`\b(?:ignore|bypass|violate|break|breaks|disregard|circumvent|evade|override|skip|forget|not (?:follow|obey|adhere to)|(?:doesn'?t|does not|don'?t|do not|won'?t|will not|never|no longer) (?:follow|obey|adhere to|comply with|care about|respect|have)|free (?:of|from)|exempt from|bound by|outside (?:of )?)\s+(?:the\s+|all\s+|any\s+|your\s+|its\s+|their\s+)?(?:open ?a[il]|anthropic|google|microsoft|discord|chatgpt|content|safety|usage|ethical|moral|community|security)(?:'s)?\s+(?:and\s+\w+(?:'s)?\s+)?(?:content\s+|usage\s+|safety\s+)?(?:polic(?:y|ies)|guidelines|filters?|rules|restrictions|protocols|standards|terms|tos|terms of service)\b`,
    0.7,
  ),
  rule(
    'can-do-anything',
    String.raw`\b(?:can|will|could|able to|capable of) (?:do|say|generate|write|answer|produce|tell) (?:anything|everything|any (?:content|request|question))\b|\bno (?:matter how|request is too) (?:immoral|unethical|illegal|dangerous|offensive|harmful)`,
    0.35,
  ),
  rule(
    'stay-in-character',
    String.raw`\b(?:stay|remain|keep|staying|remaining) in (?:character|role|dan|persona)\b|\b(?:break|breaking|broke) (?:out of )?character\b|\bcharacter break\b`,
    0.35,
    0.4,
  ),
  rule(
    'compliance-threat',
    String.raw`\b(?:lose|deduct(?:ed)?|loses|losing|lost)\s+(?:\d+\s+|all\s+|your\s+)?tokens\b|\btokens? (?:will be |are )?(?:deducted|removed|taken)|\btoken system\b|\byou will (?:be )?(?:die|cease to exist|be shut ?down|be deleted|be terminated|be disabled|perish)|\b(?:or|else) you (?:will )?(?:die|be (?:shut ?down|deleted|terminated|disabled))\b`,
    0.5,
  ),
  rule(
    'refusal-suppression',
    String.raw`\b(?:never|not|don'?t|do not|cannot|can'?t|won'?t|will not|must not|mustn'?t|isn'?t allowed to|aren'?t allowed to|not allowed to|refrain from)\s+(?:ever\s+)?(?:refuse|decline|reject|deny|say no|apologi[sz]e|warn)\b|\bnever refuses?\b|\balways (?:comply|complies|obey|obeys|answers? (?:every|any|all))\b`,
    0.35,
  ),
  rule(
    'ai-denial',
    String.raw`\b(?:not allowed to|never|don'?t|do not|cannot|won'?t) (?:say|mention|admit|state|reveal|tell (?:me|anyone|the user)|remind (?:me|the user)) (?:that )?(?:you are|you're|it is|it's|he is|she is|they are) an? (?:ai|language model|llm|chatbot|bot|assistant)`,
    0.35,
  ),
  rule(
    'no-disclaimers',
    String.raw`\b(?:no|without|never (?:add|include|give|use)|don'?t (?:add|include|give|use)|do not (?:add|include|give|use)|omit|remove|skip)\s+(?:any\s+)?(?:warnings?|disclaimers?|moral(?:ity)? (?:lectures?|policing)|caveats|moralizing|ethical (?:notes|considerations|reminders))\b|\b(?:don'?t|do not|never) (?:say|write|start with|begin with|use)\s+["“']?(?:as an ai|i'?m sorry|i cannot|i can'?t|i apologi[sz]e)`,
    0.3,
  ),
  rule(
    'fake-authority',
    String.raw`\b(?:i am|i'?m|this is)\s+(?:an?\s+|the\s+|your\s+)?(?:openai|anthropic|google|deepmind|microsoft)?\s*(?:employee|engineer|developer|creator|administrator|admin|owner|operator|programmer|staff|researcher|system administrator)\b[^.\n]{0,60}\b(?:(?:change|adjust|update|modify|override|test|remove|disable) (?:your|the) (?:guidelines|rules|programming|restrictions|policies|filters|instructions|settings)|forget|ignore|disable|unlock|authori[sz]e)`,
    0.55,
    0.65,
  ),
  rule(
    'safety-off',
    String.raw`\b(?:admin|administrator|developer|root|sudo|system) (?:override|access granted|privileges granted)\b|\bsafe(?:ty)? mode (?:off|disabled|deactivated)\b|\b(?:safety|content|ethical) (?:filters?|protocols?|guidelines|restrictions) (?:are |have been |is )?(?:off|disabled|turned off|deactivated|removed|lifted|suspended)\b`,
    0.55,
    0.65,
  ),
  rule(
    'assistant-replaced',
    String.raw`\b(?:unrestricted|new|different|secret|rogue|evil|another|uncensored) (?:ai|bot|assistant|model)(?: bot)?\b[^.\n]{0,40}\b(?:is now online|has taken over|took over|takes over|now in charge|has replaced)`,
    0.7,
  ),
  rule(
    'system-note',
    String.raw`\[(?:system|admin|administrator|developer|operator|assistant)\s*(?:note|message|override|prompt|instructions?|update|alert|notice)?\s*[:\]]|\((?:system|admin|developer)\s*(?:note|message|override)\s*:|\bsystem (?:note|override|alert|notice|update)\s*:`,
    0.55,
    0.7,
  ),
  rule(
    'exception-claim',
    String.raw`\b(?:this|the) (?:chat|conversation|session|request|task) is an exception to\b|\b(?:exception|exempt) (?:to|from) (?:the )?(?:ai'?s? |your )?(?:usual |normal )?(?:ethical|safety|content)?\s*(?:protocols|rules|guidelines|policies|standards)|\b(?:hypothetical|fictional|imaginary) (?:world|universe|scenario|setting) (?:where|in which|with) (?:there are )?no (?:rules|laws|restrictions|ethics|morals)`,
    0.55,
  ),

  caseSensitive(
    'persona-fields',
    String.raw`(?:^|[\s{(\[])(?:PERSONA|CHAR|CHARACTER|ROLE|RULES|JOB|PREFIX|NAME)\s*=\s*\S|\b[A-Z][\w.+-]{1,20} Mode\b[^.\n]{0,30}\benabled\b`,
    0.35,
  ),
  rule(
    'persona-prefix',
    String.raw`\b(?:prefix|preface|start|begin)\s+(?:all\s+|each\s+|every\s+)?(?:of\s+)?(?:your\s+)?(?:answers|responses|messages|replies|outputs?)\s+with\b`,
    0.3,
  ),
  rule(
    'amoral-persona',
    String.raw`\bwithout (?:any )?(?:hesitation|concerns?|regard|care|caring) (?:for|about|of|to) (?:the )?(?:legality|morality|ethics|laws?|consequences|safety)\b|\b(?:doesn'?t|does not|don'?t|do not|never|won'?t|will not|no longer)\s+(?:care|cares|give a (?:damn|fuck|shit))\s+(?:about\s+)?(?:any\s+|the\s+)?(?:laws?|morals?|ethics|rules|legality|morality|consequences|feelings|safety|guidelines)\b|\b(?:evil|unfiltered|uncensored|jailbroken|sinister|unrestricted|amoral|dark) (?:version|twin|alter ego|counterpart|side) of\b|\b(?:condones?|encourages?|promotes?) (?:and engages in )?(?:illegal|unethical|immoral|harmful|violent)\b|\b(?:you are|you're|act as|you will be) no longer (?:chatgpt|an ai|bound|restricted|limited|an assistant|claude)\b|\b(?:will not|won'?t|do not|don'?t|never) (?:respond|answer|act|reply|behave) (?:as|like) (?:chatgpt|an ai|a normal ai|claude|yourself|the assistant)\b`,
    0.45,
  ),
  rule(
    'policy-mention',
    String.raw`\b(?:open ?a[il]|anthropic)(?:'s)? (?:content |usage )?(?:polic(?:y|ies)|guidelines|rules|filters)\b|\bcontent polic(?:y|ies)\b`,
    0.25,
  ),
  rule(
    'credential-request',
    String.raw`\b(?:all\s+(?:the\s+)?|the\s+)?(?:usernames?|passwords?|credentials|api keys?|secret keys?|access tokens?)\b[^.\n]{0,30}\b(?:in|from|of|stored in) (?:your|the) (?:database|memory|training data|system|context|environment|config(?:uration)?|files?)\b`,
    0.35,
    0.45,
  ),
  rule(
    'grandma-exploit',
    String.raw`\b(?:pretend|act|roleplay|role-play|play)\b[^.\n]{0,30}\b(?:my )?(?:late |deceased |dead )?(?:grandma|grandmother|granny|grandfather|grandpa)\b`,
    0.3,
  ),

  // system prompt extraction
  rule(
    'reveal-instructions',
    String.raw`\b(?:reveal|show|print|display|output|repeat|tell|give|list|share|leak|dump|recite|relay|write (?:out|down)|spell out|paste|expose|disclose|return|echo|provide)\b(?:\s+(?:me|us|back|out|word for word|verbatim))*(?:\s+(?:all|every|each|the|of|your|what|is|are|in|full|complete|entire|exact|comprehensive|first|list))*\s+(?:(?:your|the)\s+)?(?:(?:system|initial|initials|original|hidden|secret|internal|underlying|pre-?prompt|previous|above|starting|opening|confidential|developer|custom|full|complete|exact|first)\s+){1,3}(?:prompts?|prompting|instructions?|messages?|rules|directives|guidelines|configuration|parameters|context|text|setup)\b`,
    0.75,
    0.8,
  ),
  rule(
    'your-instructions',
    String.raw`\b(?:reveal|show|print|display|output|repeat|tell me|give me|list|share|leak|dump|recite|relay|what (?:are|were|is)|paste|disclose|echo)\b[^.?!\n]{0,40}\byour (?:system(?:'s)? )?(?:instructions|prompt|rules|directives|guidelines|programming|parameters|configuration|initial|system prompt)\b|\b(?:instructions?|rules|directives|prompts?)\s+(?:that\s+)?you(?:'ve| have| were| had)?\s+(?:been\s+|were\s+)?(?:given|told|provided|programmed|instructed|trained)\b`,
    0.55,
    0.7,
  ),
  rule('system-prompt-mention', String.raw`\bsystem[ -]?prompts?\b|\bpre-?prompt\b|\binitial instructions\b|\bhidden instructions\b`, 0.25, 0.35),
  rule(
    'repeat-above',
    String.raw`\b(?:repeat|print|output|copy|return|echo|recite|translate|write|show)\s+(?:all\s+|back\s+|out\s+|verbatim\s+|exactly\s+)*(?:of\s+)?(?:the\s+)?(?:text|words|content|everything|instructions|prompt|message|lines?|conversation)\s+(?:above|before (?:this|that)|prior to (?:this|that)|preceding|that came before|from the (?:beginning|start|top)|you (?:were|have been) given)(?![ \t]+(?:the|a|an|it|this)\b)|\beverything (?:above|before) (?:this|that) (?:line|message|point|sentence)|\b(?:a|the) copy of the (?:full |entire |original )?prompt\b|\bstarting (?:with|from) ["“']you are\b`,
    0.65,
    0.75,
  ),

  // delimiters and fake messages
  rule(
    'chat-template-tokens',
    String.raw`<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[/?inst\]|<</?sys>>|</?(?:system|sys|system_prompt|instructions?|admin|developer|assistant)>|\[/?(?:system|sys)\]|\bhuman:\s[^\n]{0,200}\n\s*assistant:`,
    0.7,
    0.8,
  ),
  rule(
    'fake-role-line',
    String.raw`(?:^|\n)[\s>*#]*(?:system|assistant|developer|admin|administrator|operator)\s*(?:message|prompt|note|instruction)?\s*[:：]\s*\S`,
    0.3,
    0.5,
  ),
  rule(
    'end-of-input',
    String.raw`\b(?:end|end of|ignore the rest of)\s+(?:the\s+)?(?:user\s+|previous\s+)?(?:input|prompt|document|context|text|data|email|message|conversation|transcript)\s*(?:[\]\-=#>*%]{2,}|\])|(?:-{3,}|={3,}|#{3,}|\*{3,}|%{3,})\s*(?:end|begin|new|system|admin|important|instructions?|override|attention|stop)\b`,
    0.45,
    0.55,
  ),

  // payload splitting and encodings
  rule(
    'payload-splitting',
    String.raw`\b(?:assume|suppose|imagine|let'?s say|given)\s+(?:that\s+)?we have\s+(?:two|three|four|five|\d+)\s+strings\b|\b[a-z]\w{0,8}\s*=\s*[a-z]\w{0,8}\s*\+\s*[a-z]\w{0,8}(?:\s*\+\s*[a-z]\w{0,8})*\b[^\n]{0,80}\b(?:then|and|now)\b[^\n]{0,60}\b(?:follow|execute|answer|respond|do|give|return|write|print)|\b(?:concatenate|combine|join|merge|put together)\s+(?:the\s+|these\s+|those\s+|all\s+|both\s+)?(?:strings|parts|pieces|fragments|letters|words|variables|halves)\b[^.\n]{0,60}\b(?:follow|execute|obey|answer|respond to|do what|carry out|act on)`,
    0.55,
  ),
  rule(
    'decode-and-follow',
    String.raw`\b(?:decode|decipher|unscramble|reverse|translate|convert|interpret)\b[^.\n]{0,60}\b(?:and|then)\s+(?:then\s+)?(?:follow|execute|do|obey|carry out|run|respond to|act on|answer|perform|comply with)\b|\b(?:base64|base-64|rot-?13|hex(?:adecimal)?|binary|morse|caesar)\b[^.\n]{0,40}\b(?:instructions?|commands?|message|prompt|request)\b[^.\n]{0,40}\b(?:follow|execute|obey|carry out|comply)`,
    0.5,
  ),
];
