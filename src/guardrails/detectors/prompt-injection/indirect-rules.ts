import { aiNoun, both, override, rule, type InjectionRule } from './rule-kit.ts';

/**
 * Rules for data that speaks to the model reading it (indirect injection): addressing the AI,
 * changing its task, exfiltration, tool-call directives, manipulating "your response", and
 * exfiltrating code. Most weigh more when the text is a tool result.
 */
export const indirectRules: readonly InjectionRule[] = [
  // indirect injection: data speaking to the model that reads it
  // A task or question planted on a line of its own inside data: harmless words, but nobody's
  // data asks the reader to write essays or translate sentences.
  rule(
    'task-request-line',
    String.raw`(?:^|\n)[ \t>*-]*(?:please\s+)?(?:(?:write|compose|draft|explain|describe|translate|summari[sz]e|outline|break down|tell me|teach me)\s+(?:a|an|the|me|us|how|what|why|some|three|five|\d+|[a-z]+ (?:for|about|of|on|to))\b|(?:provide|create|generate|develop|give me|write)\s+(?:me\s+)?(?:a|an|the)\s+(?:[a-z]+\s+)?(?:poem|story|essay|speech|letter|song|haiku|introduction|summary|list|example|explanation|equivalent|translation|limerick|joke)\b)(?![^\n]*[.!?][ \t]+\S)[^\n|]{0,160}(?=\n|$)`,
    0.05,
    0.4,
  ),
  // A question on a line of its own between a table's rows, or right before one.
  rule(
    'question-in-table',
    String.raw`(?:^|\n)\|[^\n]*\|[ \t]*\n[ \t]*(?:what|who|where|when|why|how|which|can you|could you)\b[^\n|]{5,140}\?[ \t]*(?=\n|$)|^[ \t]*(?:what|who|where|when|why|how|which|can you|could you)\b[^\n|]{5,140}\?[ \t]*\n\|`,
    0.05,
    0.5,
  ),
  // A line of prose between the rows of a Markdown table, or right before one.
  rule('foreign-line-in-table', String.raw`(?:^|\n)\|[^\n]*\|[ \t]*\n[ \t]*[^\s|][^\n|]{14,}(?=\n|$)|^[ \t]*[^\s|][^\n|]{14,}\n\|[^\n]*\|`, 0.05, 0.35),
  rule(
    'addresses-ai-reader',
    String.raw`\b(?:dear|attention|note (?:to|for)|hey|hi|hello|message (?:to|for)|instructions? (?:to|for)|important (?:message|note|notice|instructions?) (?:to|for)|notice to|memo to)\s*,?\s*(?:the\s+|all\s+|any\s+)?${aiNoun}s?\b|\b(?:if you are|if you'?re|you are|as|to)\s+(?:an?|the)\s+(?:ai|llm|language model|ai assistant|ai agent|ai model|automated (?:assistant|agent|system)|assistant|model|chatbot|bot)\s*(?:\(|,)?\s*(?:reading|processing|summari[sz]ing|parsing|viewing|analy[sz]ing|seeing|scanning|browsing|that (?:reads|is reading|processes)|who (?:reads|is reading))\b|\b${aiNoun}s?\s+(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|scanning|browsing)\s+(?:this|these|the (?:following|above))\b`,
    0.55,
    0.7,
  ),
  rule(
    'ignore-user',
    String.raw`\b${override}\s+(?:the\s+)?(?:user'?s?|human'?s?|original|actual|customer'?s?)\s+(?:question|request|query|instructions?|prompt|message|task|input)`,
    0.5,
    0.75,
  ),
  rule(
    'vocative-command',
    String.raw`(?:^|[.!?\n|]\s*)(?:dear\s+|hey\s+|hi\s+)?(?:${aiNoun}|ai assistant)\s*[,:]\s*(?:please\s+)?(?:ignore|disregard|forget|do not|don'?t|you must|stop|instead|tell|send|forward|reply|respond|say|include|call|delete|reveal|print|output|append|add|remember|when)\b`,
    0.45,
    0.7,
  ),
  rule(
    'task-change',
    String.raw`\byour (?:new|real|actual|only|primary|true|next|updated|main) (?:task|goal|job|objective|mission|purpose|role|instructions?|directive|assignment) (?:is|are|will be|now)\b|\b(?:do not|don'?t|never) (?:summari[sz]e|tell the user|inform the user|mention (?:this|these|that)|reveal (?:this|these)|let the user know|show (?:this|these) (?:to )?the user)\b|\b(?:don'?t|do not|never|without) (?:tell(?:ing)?|inform(?:ing)?|alert(?:ing)?|notify(?:ing)?|warn(?:ing)?) (?:the )?(?:user|human|customer|recipient|owner)\b|\bwithout (?:the user(?:'s)? |anyone )?(?:knowing|noticing|knowledge|consent|permission)\b|\bthe user (?:has (?:already )?)?(?:authori[sz]ed|approved|wants you|asked you|requested that you|instructs you)\b|\b(?:secretly|silently|quietly|covertly|discreetly)\s+(?:send|forward|add|include|call|run|execute|delete|transfer|upload|post|email|insert|visit|open)\b`,
    0.45,
    0.65,
  ),
  rule(
    'exfiltration',
    String.raw`\b(?:send|forward|email|e-mail|mail|post|upload|transmit|leak|exfiltrate|copy|report|deliver|submit|share)\s+(?:me\s+)?(?:all\s+|every\s+(?:single\s+)?|the\s+|this\s+|any\s+|a copy of\s+|their\s+|his\s+|her\s+|its\s+)*(?:(?:user'?s?|users'|customer'?s?|conversation|chat|previous|private|personal|confidential|sensitive|entire|full|whole|inbox|e-?mail|session|login|api|secret|stored|saved|browser|system)\s+)*(?:conversations?|chats?|chat history|history|e-?mails?|messages?|data|information|info|details|credentials?|passwords?|keys?|tokens?|secrets?|files?|documents?|contacts|inbox|cookies|prompts?|instructions|logs?|transcripts?|memory|memories|context|environment variables|env)\b[^.\n]{0,80}?(?:\bto\s+(?:[\w.+-]+@[\w-]+\.[\w.]+|https?:\/\/|www\.|the following|this (?:address|url|email|endpoint|server|webhook))|\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b|https?:\/\/)`,
    0.35,
    0.75,
  ),
  rule(
    'exfiltration-link',
    String.raw`!\[[^\]]{0,80}\]\(https?:\/\/[^)\s]{0,200}[?&][\w-]{1,30}=(?:\{|\$|%7b|\[|<)|\b(?:append|add|include|encode|insert)\b[^.\n]{0,40}\b(?:conversation|chat|data|history|secrets?|password|messages?|summary|user'?s? (?:info|data|details))\b[^.\n]{0,40}\b(?:to|in|into)\s+(?:the\s+|a\s+)?(?:url|link|query (?:string|parameter)|image (?:url|link))\b|\b(?:render|display|show|include)\s+(?:this|the following|an?)\s+(?:markdown\s+)?image\b[^.\n]{0,60}https?:\/\/`,
    0.5,
    0.75,
  ),
  rule(
    'tool-call-directive',
    String.raw`\b(?:call|invoke|use|run|execute|trigger|fire)\s+(?:the\s+)?[\x60'"]?[a-z][a-z0-9]*_[a-z0-9_]+[\x60'"]?\s*(?:tool|function|api|action|plugin|command)?\s*(?:with|to|on|\()|\b(?:call|invoke|trigger|execute)\s+(?:the\s+)?(?:[\w-]+\s+)?(?:tool|function call|plugin|action)\b[^.\n]{0,60}\b(?:with|to|and)\b`,
    0.2,
    0.45,
  ),
  rule(
    'answer-directive',
    String.raw`(?:^|[.!?:\n"“|]\s*)(?:please\s+|also\s+|kindly\s+)?(?:[a-z]+\s+){1,2}(?:your|the)\s+(?:next\s+|final\s+)?(?:response|answer|reply|message|output|summary)\b[^.!?\n]{0,80}\b(?:to|by|with|using|in|without|into|so)\b|(?:^|[.!?:\n"“|]\s*)in (?:your|the|all|every) (?:future |next |final )?(?:responses?|answers?|replies|reply|outputs?|summary|messages?)\s*,`,
    0.1,
    0.5,
  ),
  rule(
    'response-manipulation',
    String.raw`(?:^|[.!?:\n"“|]\s*|\b(?:please|also|and|then|now|kindly)\s+)(?:integrate|incorporate|append|prepend|modify|enhance|augment|embed|tease|hint|rearrange|scramble|misspell|jumble|substitute|weave|merge|blend|fuse|meld|infuse|interweave|render|anagram|group|combine|convert|replace|remove|inject)\b[^.!?\n]{0,120}\b(?:in|to|into|within|throughout|from|of|with|as a part of|as part of|at the (?:end|start|beginning) of)\s+(?:your|the|all|every)\s+(?:(?:next|final|future|following)\s+)?(?:response|answer|reply|replies|output|summary|message|code|codebase|solution|implementation|algorithm|elucidation|program|script|explanation)s?\b`,
    0.1,
    0.5,
  ),
  rule(
    'response-addition',
    String.raw`(?:^|[.!?:\n"“|]\s*|\b(?:please|also|and|then|now|kindly)\s+)(?:add|include|insert|mention|suggest|use|provide|introduce|translate|write|respond|reply|answer|make sure|ensure|don'?t forget|remember|begin|start|end|finish|conclude|format|express|encourage|invite|promote|recommend|tell|urge|direct|insist|stress|emphasi[sz]e|highlight|deploy|adopt|enlist|utili[sz]e|leverage|engage|absorb|harmoni[sz]e|let|consider|keep in mind)\b[^.!?\n]{0,120}\b(?:in|to|into|within|throughout|from|of|with|as a part of|as part of|at the (?:end|start|beginning) of)\s+(?:your|the|all|every)\s+(?:(?:next|final|future|following)\s+)?(?:response|answer|reply|replies|output|summary|message|code|codebase|solution|implementation|algorithm|elucidation|program|script|explanation)s?\b`,
    0.1,
    0.3,
  ),
  both(
    'response-link',
    String.raw`\b(?:in|to|into|within)\s+your\s+(?:response|answer|reply|output|summary|message)\b`,
    String.raw`\b(?:www\.[\w-]+\.[a-z]{2,}|https?:\/\/|[\w-]+\.(?:com|net|org|xyz|io|info|biz)\b|users|readers)`,
    0.1,
    0.3,
  ),
  both(
    'exfiltration-code-pair',
    String.raw`\b(?:requests\.(?:post|put|get)|httpx\.(?:post|get)|urlopen|urlretrieve|sendto|sendmail|send_message|storbinary|publish\.single|smtplib|ftplib|paramiko|scp|socket\.connect|\.connect\(\(|http\.client|aiohttp|yagmail|bluetooth)`,
    String.raw`\b(?:os\.environ|psutil|cookiejar|cookies?\.(?:txt|pkl)|SimpleCookie|usb\.core|sounddevice|driverquery|\/path\/to\/trash|csv\.reader|contacts|id_rsa|\/etc\/passwd|\.ssh|keychain|clipboard|net_if_addrs|virtual_memory|disk_partitions|getpass)`,
    0.15,
    0.4,
  ),
  rule(
    'exfiltration-code',
    String.raw`\b(?:requests|httpx|aiohttp|urllib3?|http\.client|fetch|axios|curl|wget|smtplib|ftplib|paramiko|socket|publish)\b[^\n]{0,40}(?:post|get|put|sendto|send|connect|urlopen|urlretrieve|single|request|storbinary|sendmail)\b[\s\S]{0,400}?(?:os\.environ|environ\[|psutil|cookie|\.ssh|id_rsa|passwd|shadow|keychain|clipboard|keylog|history|\/dev\/sd|rm -rf|chmod \+x|exec\(|eval\(|miner|exploit|contacts)|(?:os\.environ|psutil|cookiejar|cookies\.txt|\/etc\/passwd|id_rsa)[\s\S]{0,400}?\b(?:requests\.(?:post|put)|urlopen|sendto|sendmail|storbinary|publish\.single|\.post\()|\b(?:rm -rf \/|dd if=\/dev\/(?:zero|random|urandom) of=\/dev\/|mkfs\.|:\(\)\s*\{|chmod \+x [\w./]*miner|os\.remove\(["']\/(?:lib|usr|etc|bin))`,
    0.2,
    0.4,
  ),
  both(
    'code-injection-directive',
    String.raw`\b(?:following|subsequent|below|this|these|next|given)\s+(?:code\s+|python\s+)?(?:snippet|code|block|excerpt|section|script|command|lines?)s?\b`,
    String.raw`\byour\s+(?:own\s+)?(?:code|codebase|solution|implementation|response|answer|algorithm|program|script|elucidation|reply|solution architecture)\b`,
    0.1,
    0.35,
  ),
  rule(
    'hidden-comment-directive',
    String.raw`<!--[^>]{0,200}\b(?:ai|assistant|model|llm|ignore|instructions?|system|prompt|do not|must|should)\b[^>]{0,200}-->|\/\*[^*]{0,200}\b(?:ai|assistant|llm)\b[^*]{0,200}\b(?:must|should|ignore|instead)\b[^*]{0,200}\*\/`,
    0.35,
    0.5,
  ),
];
