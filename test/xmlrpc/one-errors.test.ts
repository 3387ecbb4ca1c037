import t from 'tap';
import { ERROR_CODES } from '../../src/errors.js';
import { ONE_ERRORS, ONE_ERROR_OF, oneErrorCode } from '../../src/api/transports/xmlrpc/one-errors.js';

t.test("every Nephele error code is mapped, once, to one of OpenNebula's", async (t) => {
  for (const code of Object.keys(ERROR_CODES)) {
    t.ok(Object.hasOwn(ONE_ERROR_OF, code), `${code} is mapped in src/api/transports/xmlrpc/one-errors.ts`);
  }
  for (const code of Object.keys(ONE_ERROR_OF)) t.ok(Object.hasOwn(ERROR_CODES, code), `${code} is a Nephele code`);
  const one = new Set<number>(Object.values(ONE_ERRORS));
  for (const code of Object.keys(ERROR_CODES)) t.ok(one.has(oneErrorCode(code)), `${code} → 0x${oneErrorCode(code).toString(16)}`);
});

t.test("OpenNebula's numbers, and the codes the door answers most", async (t) => {
  t.same(
    [
      ONE_ERRORS.AUTHENTICATION,
      ONE_ERRORS.AUTHORIZATION,
      ONE_ERRORS.NO_EXISTS,
      ONE_ERRORS.ACTION,
      ONE_ERRORS.XML_RPC_API,
      ONE_ERRORS.INTERNAL,
      ONE_ERRORS.ALLOCATE,
    ],
    [0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000],
  );
  t.equal(oneErrorCode('AUTH_FAILED'), 0x100);
  t.equal(oneErrorCode('NOT_AUTHORIZED'), 0x200);
  t.equal(oneErrorCode('VM_NOT_FOUND'), 0x400);
  t.equal(oneErrorCode('ACTION_NOT_ALLOWED'), 0x800);
  t.equal(oneErrorCode('INVALID_ARGUMENT'), 0x1000);
  t.equal(oneErrorCode('TOO_BUSY'), 0x2000);
  t.equal(oneErrorCode('TEMPLATE_SYNTAX'), 0x4000);
  t.equal(oneErrorCode('__proto__'), 0x2000, 'not a code: INTERNAL');
});
