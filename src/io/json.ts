/**
 * A strict JSON parser for headers read from files. Unlike JSON.parse it never recurses (V8's
 * JSON.parse overflows the stack on a deeply nested array), refuses duplicate object keys (which
 * JSON.parse silently resolves to the last), and refuses nesting deeper than serde_json's limit
 * of 127 levels, the one the Rust safetensors reader inherits. Objects become Maps, so a key such as
 * `__proto__` is plain data.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

/** serde_json's default recursion limit counts 128 and fails on reaching it. */
export const MAX_JSON_DEPTH = 127;

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS: ReadonlyArray<[string, JsonValue]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

/** An open array, or an open object with the key whose value is being read. */
type Frame = JsonValue[] | { object: JsonObject; key: string };

/** Parses `text`; throws a SyntaxError saying what is wrong and at which character. */
export function parseJson(text: string, maxDepth = MAX_JSON_DEPTH): JsonValue {
  let pos = 0;
  const fail = (what: string) => new SyntaxError(`${what} at character ${pos}`);
  const skipSpace = () => {
    for (let c = text.charCodeAt(pos); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;)
      c = text.charCodeAt(++pos);
  };
  const string = (): string => {
    if (text[pos] !== '"') throw fail('expected a string');
    let end = pos + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    if (end >= text.length) throw fail('unterminated string');
    let value: string;
    try {
      value = JSON.parse(text.slice(pos, end + 1)) as string; // a flat string: escapes and control characters
    } catch {
      throw fail('invalid string');
    }
    pos = end + 1;
    return value;
  };
  const key = (object: JsonObject): string => {
    skipSpace();
    const at = pos;
    const k = string();
    if (object.has(k)) {
      pos = at;
      throw fail(`duplicate key ${JSON.stringify(k)}`);
    }
    skipSpace();
    if (text[pos++] !== ':') throw fail("expected ':'");
    return k;
  };
  const scalar = (): JsonValue => {
    if (text[pos] === '"') return string();
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m !== null) {
      pos += m[0].length;
      return Number(m[0]);
    }
    for (const [word, value] of LITERALS) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    throw fail(pos < text.length ? 'unexpected character' : 'unexpected end of input');
  };

  const stack: Frame[] = [];
  for (;;) {
    // Read one value; an opening bracket that is not immediately closed pushes a frame instead.
    skipSpace();
    let value: JsonValue;
    const open = text[pos];
    if (open === '[' || open === '{') {
      if (stack.length >= maxDepth) throw fail(`nesting deeper than ${maxDepth} levels`);
      pos++;
      skipSpace();
      if (text[pos] === (open === '[' ? ']' : '}')) {
        pos++;
        value = open === '[' ? [] : new Map();
      } else if (open === '[') {
        stack.push([]);
        continue;
      } else {
        const object: JsonObject = new Map();
        stack.push({ object, key: key(object) });
        continue;
      }
    } else value = scalar();
    // Store it in the open containers, closing those that end here.
    for (;;) {
      const top = stack.at(-1);
      skipSpace();
      if (top === undefined) {
        if (pos < text.length) throw fail('unexpected character after the value');
        return value;
      }
      const next = text[pos++];
      if (Array.isArray(top)) {
        top.push(value);
        if (next === ',') break;
        if (next !== ']') throw fail("expected ',' or ']'");
        value = top;
      } else {
        top.object.set(top.key, value);
        if (next === ',') {
          top.key = key(top.object);
          break;
        }
        if (next !== '}') throw fail("expected ',' or '}'");
        value = top.object;
      }
      stack.pop();
    }
  }
}
