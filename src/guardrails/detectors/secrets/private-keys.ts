import type { SecretMatch } from './secret-types.ts';

// PEM and PGP private key blocks, also inside JSON strings (escaped newlines) and without their
// END line (a key cut off mid-message is still a key).
const begin = /-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const end = /-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const body = /^(?:\s|\\[nr]|["',+]|[A-Za-z0-9+/=:-])*/;

/** Private key blocks with at least 32 characters of key material. */
export function findPrivateKeys(text: string): SecretMatch[] {
  if (!text.includes('PRIVATE KEY')) return [];
  const found: SecretMatch[] = [];
  for (const head of text.matchAll(begin)) {
    const afterHead = head.index + head[0].length;
    end.lastIndex = afterHead;
    const tail = end.exec(text);
    const material = tail === null || tail.index - afterHead > 65_536 ? undefined : text.slice(afterHead, tail.index);
    if (material !== undefined && !material.includes('-----BEGIN')) {
      if (keyMaterialLength(material) >= 32) found.push({ type: 'private-key', start: head.index, end: tail!.index + tail![0].length });
      continue;
    }
    const run = body.exec(text.slice(afterHead, afterHead + 65_536))?.[0] ?? '';
    if (keyMaterialLength(run) >= 64) found.push({ type: 'private-key', start: head.index, end: afterHead + run.replace(/(?:\s|\\[nr]|["',+])+$/, '').length });
  }
  return found;
}

function keyMaterialLength(material: string): number {
  return material.replace(/\\[nr]|[^A-Za-z0-9+/=]/g, '').length;
}
