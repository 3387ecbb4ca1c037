import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import t from 'tap';
import { cdataText, escapeText, REPLACEMENT } from '../../src/api/one-xml/xml-tree.js';
import { imageXml, oneXmlContext, templateXml, vmPoolXml, vmXml } from '../../src/api/one-xml/index.js';
import type { ImageView } from '../../src/images/image-view.js';
import { quoteValue } from '../../src/templates/index.js';
import type { TemplateView } from '../../src/vms/template-view.js';
import type { VmView } from '../../src/vms/vm-record.js';
import { XSD_DIR, withNamespace } from '../fixtures/one-xsd.js';

const ctx = oneXmlContext({ now: 0, groups: [{ id: 1, name: 'users', users: [2] }] });
// htmlEntities: numeric references (&#13;) decoded, as a conformant parser does.
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, htmlEntities: true });

/** What XML 1.0 can carry: the rest becomes U+FFFD (xml-tree.ts). */
const carried = (s: string): string =>
  s.replace(
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    REPLACEMENT,
  );

// Strings rich in what breaks XML: markup, CDATA ends, CR, controls, lone surrogates.
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(
      fc.constantFrom('<', '>', '&', ']]>', ']]', '\r', '\r\n', '\u0000', '\u0001', '\uD800', '\uFFFE', '"', "'", 'a', ' ', 'é', '😀'),
      { maxLength: 20 },
    )
    .map((a) => a.join('')),
);

t.test('escaping: a value round-trips through text and CDATA, except what XML cannot carry', async (t) => {
  fc.assert(
    fc.property(nasty, (s) => {
      for (const body of [escapeText(s), cdataText(s)]) {
        const doc = `<A>${body}</A>`;
        if (XMLValidator.validate(doc) !== true) return false;
        const back = String(parser.parse(doc).A ?? '');
        if (back !== carried(s)) return false;
      }
      return true;
    }),
    { numRuns: 2000 },
  );
  t.equal(cdataText('a]]>b'), '<![CDATA[a]]]]><![CDATA[>b]]>');
  t.equal(escapeText('<&>\r'), '&lt;&amp;&gt;&#13;');
  t.equal(escapeText('a\u0001b'), `a${REPLACEMENT}b`);
});

function vm(name: string, description: string): VmView {
  return {
    id: 1,
    name,
    uid: 2,
    gid: 1,
    user: name,
    group: 'users',
    permissions: 0o600,
    state: 'RUNNING',
    short: 'runn',
    cpu: 1,
    vcpu: 1,
    memory: 128,
    hostId: 0,
    host: name,
    history: [{ seq: 0, hostId: 0, stime: 1000, etime: undefined, rstime: 2000, reason: undefined }],
    stime: 1000,
    etime: undefined,
    template: `NAME = ${quoteValue(name)}\nDESCRIPTION = ${quoteValue(description)}\nNIC = [ NETWORK = ${quoteValue(description)} ]\nSCHED_REQUIREMENTS = ${quoteValue(description)}\n`,
    pending: undefined,
    lastError: description,
    schedMessage: undefined,
    nics: [],
    context: { X: description },
    disks: [],
    userTemplate: [
      { name: 'DESCRIPTION', value: description },
      { name: 'SCHED_REQUIREMENTS', value: description },
    ],
  } as VmView;
}

t.test('arbitrary names and template values keep every document well-formed and valid', async (t) => {
  const docs: { xml: string; xsd: string }[] = [];
  fc.assert(
    fc.property(nasty, nasty, (name, description) => {
      const v = vm(name, description);
      const one = vmXml(v, ctx);
      const pool = vmPoolXml([v], ctx);
      const tmpl = templateXml({ id: 1, name, uid: 2, user: name, group: 'users', regtime: 0, template: v.template } as TemplateView, ctx);
      const image = imageXml(
        {
          id: 1,
          name,
          uid: 2,
          gid: 1,
          type: 'OS',
          persistent: false,
          state: 'READY',
          format: 'raw',
          sizeMb: 1,
          source: description,
          runningVms: [],
          regtime: 0,
          description,
          template: [{ name: 'DESCRIPTION', value: description }],
          user: name,
          group: 'users',
          datastore: 'default',
          datastoreId: 1,
          permissions: 0o600,
        } as ImageView,
        ctx,
      );
      for (const xml of [one, pool, tmpl, image]) if (XMLValidator.validate(xml) !== true) return false;
      const d = parser.parse(one).VM;
      if (String(d.NAME ?? '') !== carried(name)) return false;
      if (String(d.USER_TEMPLATE.DESCRIPTION ?? '') !== carried(description)) return false;
      if (docs.length < 40)
        docs.push({ xml: one, xsd: 'vm' }, { xml: pool, xsd: 'vm_pool' }, { xml: tmpl, xsd: 'vmtemplate' }, { xml: image, xsd: 'image' });
      return true;
    }),
    { numRuns: 300 },
  );
  // The schema check runs xmllint once per document kind, over a sample of the generated ones.
  const dir = t.testdir();
  for (const kind of ['vm', 'vm_pool', 'vmtemplate', 'image']) {
    const files = docs
      .filter((d) => d.xsd === kind)
      .map((d, i) => {
        const file = join(dir, `${kind}-${i}.xml`);
        writeFileSync(file, withNamespace(d.xml));
        return file;
      });
    try {
      execFileSync('xmllint', ['--noout', '--schema', join(XSD_DIR, `${kind}.xsd`), ...files], { stdio: 'pipe' });
      t.pass(`${files.length} generated ${kind} documents validate`);
    } catch (err) {
      t.fail(`generated ${kind} documents do not validate`, { stderr: String((err as { stderr?: Buffer }).stderr) });
    }
  }
});
