// Label and field selectors as the Kubernetes API server reads them (k8s.io/apimachinery
// pkg/labels and pkg/fields), for the test API server. Plain JS so the benchmark can use it too.
//
// Label selectors: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, `a>1`, `a<1`,
// requirements joined by commas. `!=` and `notin` also match objects without the label, as in
// the real server. Field selectors: `path=v`, `path==v`, `path!=v` joined by commas, `\` escapes.

export class SelectorError extends Error {}

const KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** @param {string} s */
function tokenize(s) {
  /** @type {string[]} */
  const out = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') { i++; continue; }
    const two = s.slice(i, i + 2);
    if (two === '==' || two === '!=') { out.push(two); i += 2; continue; }
    if ('=!(),<>'.includes(c ?? '')) { out.push(/** @type {string} */ (c)); i++; continue; }
    let j = i;
    while (j < s.length && !' \t=!(),<>'.includes(s[j] ?? '')) j++;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

/**
 * @typedef {{ key: string, op: string, values: string[] }} Requirement
 * @param {string} selector
 * @returns {Requirement[]}
 */
export function parseLabelSelector(selector) {
  const toks = tokenize(selector);
  /** @type {Requirement[]} */
  const reqs = [];
  let p = 0;
  const fail = (/** @type {string} */ why) => {
    throw new SelectorError(`unable to parse requirement: ${why} in ${JSON.stringify(selector)}`);
  };
  const key = (/** @type {string | undefined} */ k) => {
    if (k === undefined || !KEY_RE.test(k)) fail(`invalid label key ${JSON.stringify(k ?? '')}`);
    return /** @type {string} */ (k);
  };
  const value = (/** @type {string | undefined} */ v) => {
    const val = v === undefined || v === ',' || v === ')' ? '' : v;
    if (!VALUE_RE.test(val)) fail(`invalid label value ${JSON.stringify(val)}`);
    return val;
  };
  while (p < toks.length) {
    if (toks[p] === '!') {
      reqs.push({ key: key(toks[p + 1]), op: '!', values: [] });
      p += 2;
    } else {
      const k = key(toks[p]);
      const op = toks[p + 1];
      if (op === undefined || op === ',') {
        reqs.push({ key: k, op: 'exists', values: [] });
        p += 1;
      } else if (op === '=' || op === '==' || op === '!=') {
        const v = value(toks[p + 2]);
        reqs.push({ key: k, op: op === '!=' ? '!=' : '=', values: [v] });
        p += v === '' ? 2 : 3;
      } else if (op === '<' || op === '>') {
        const v = toks[p + 2] ?? '';
        if (!/^-?\d+$/.test(v)) fail(`for '${op}', a number is expected, found ${JSON.stringify(v)}`);
        reqs.push({ key: k, op, values: [v] });
        p += 3;
      } else if (op === 'in' || op === 'notin') {
        if (toks[p + 2] !== '(') fail(`found ${JSON.stringify(toks[p + 2] ?? '')}, expected: '('`);
        p += 3;
        /** @type {string[]} */
        const values = [];
        for (;;) {
          const t = toks[p];
          if (t === undefined) fail(`found end of string, expected: ')'`);
          if (t === ')') { p++; break; }
          if (t === ',') { p++; continue; }
          values.push(value(t));
          p++;
        }
        if (values.length === 0) fail(`for '${op}', set values are required`);
        reqs.push({ key: k, op, values });
      } else {
        fail(`found ${JSON.stringify(op)}, expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    if (p < toks.length) {
      if (toks[p] !== ',') fail(`found ${JSON.stringify(toks[p])}, expected: ','`);
      p++;
      if (p >= toks.length) fail('found end of string after \',\'');
    }
  }
  return reqs;
}

/**
 * @param {Requirement[]} reqs
 * @param {Record<string, string> | undefined} labels
 */
export function matchLabels(reqs, labels) {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists': return has;
      case '!': return !has;
      case '=': return has && v === r.values[0];
      case '!=': return !has || v !== r.values[0];
      case 'in': return has && r.values.includes(/** @type {string} */ (v));
      case 'notin': return !has || !r.values.includes(/** @type {string} */ (v));
      case '>': return has && /^-?\d+$/.test(v ?? '') && Number(v) > Number(r.values[0]);
      case '<': return has && /^-?\d+$/.test(v ?? '') && Number(v) < Number(r.values[0]);
      default: return false;
    }
  });
}

/** Fields each resource supports in field selectors (as the real server, a subset). */
const FIELDS = {
  pods: {
    'metadata.name': (/** @type {any} */ o) => o.metadata?.name ?? '',
    'metadata.namespace': (/** @type {any} */ o) => o.metadata?.namespace ?? '',
    'spec.nodeName': (/** @type {any} */ o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (/** @type {any} */ o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (/** @type {any} */ o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (/** @type {any} */ o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (/** @type {any} */ o) => String(o.spec?.hostNetwork ?? false),
    'status.phase': (/** @type {any} */ o) => o.status?.phase ?? '',
    'status.podIP': (/** @type {any} */ o) => o.status?.podIP ?? '',
    'status.nominatedNodeName': (/** @type {any} */ o) => o.status?.nominatedNodeName ?? '',
  },
  services: {
    'metadata.name': (/** @type {any} */ o) => o.metadata?.name ?? '',
    'metadata.namespace': (/** @type {any} */ o) => o.metadata?.namespace ?? '',
  },
  endpointslices: {
    'metadata.name': (/** @type {any} */ o) => o.metadata?.name ?? '',
    'metadata.namespace': (/** @type {any} */ o) => o.metadata?.namespace ?? '',
    addressType: (/** @type {any} */ o) => o.addressType ?? '',
  },
  nodes: {
    'metadata.name': (/** @type {any} */ o) => o.metadata?.name ?? '',
    'spec.unschedulable': (/** @type {any} */ o) => String(o.spec?.unschedulable ?? false),
  },
};

/**
 * @typedef {{ field: string, op: '=' | '!=', value: string }} FieldRequirement
 * @param {string} selector
 * @param {'pods' | 'nodes' | 'services' | 'endpointslices'} resource
 * @returns {FieldRequirement[]}
 */
export function parseFieldSelector(selector, resource) {
  /** @type {FieldRequirement[]} */
  const reqs = [];
  /** @type {string[]} */
  const parts = [];
  let cur = '';
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\' && i + 1 < selector.length) { cur += c + selector[i + 1]; i++; continue; }
    if (c === ',') { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  if (cur !== '' || parts.length > 0) parts.push(cur);
  for (const part of parts) {
    // find the first operator that is not escaped; unescape field and value
    let field = '';
    let op = '';
    let i = 0;
    for (; i < part.length; i++) {
      const c = part[i];
      if (c === '\\') { field += part[i + 1] ?? ''; i++; continue; }
      if (c === '=' || (c === '!' && part[i + 1] === '=')) {
        op = c === '!' ? '!=' : part[i + 1] === '=' ? '==' : '=';
        break;
      }
      field += c;
    }
    if (op === '') throw new SelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const value = part.slice(i + op.length).replace(/\\(.)/g, '$1');
    field = field.trim();
    if (!(field in FIELDS[resource])) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    reqs.push({ field, op: op === '!=' ? '!=' : '=', value });
  }
  return reqs;
}

/**
 * @param {FieldRequirement[]} reqs
 * @param {'pods' | 'nodes' | 'services' | 'endpointslices'} resource
 * @param {any} obj
 */
export function matchFields(reqs, resource, obj) {
  /** @type {Record<string, (o: any) => string>} */
  const getters = FIELDS[resource];
  return reqs.every((r) => {
    const get = getters[r.field];
    const v = get ? get(obj) : '';
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}
