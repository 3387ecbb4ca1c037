/**
 * Typed asks: the reply's type comes from the message, as the wire's ReplyOf
 * gives a request's. The type-level half fails the typecheck when inference
 * breaks (each `@ts-expect-error` must find an error); the run-time half
 * checks that the phantom reply costs nothing on the way.
 */
import t from 'tap';
import type { ActorRef, Reply, ReplyTo, WithReplies } from '../../src/actors/index.js';
import { testSystem } from '../fixtures/system.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(_proof: Equal<A, B>): void => undefined;

interface Item {
  readonly id: number;
  readonly name: string;
}
type ShelfMessages =
  | { readonly type: 'get'; readonly id: number }
  | { readonly type: 'put'; readonly item: Item; readonly force?: boolean }
  | { readonly type: 'list'; readonly all?: boolean }
  | { readonly type: 'touch'; readonly id: number };
interface ShelfReplies {
  get: Item | undefined;
  put: number;
  list: Item[];
}
type ShelfMsg = WithReplies<ShelfMessages, ShelfReplies>;

function shelf(ref: ActorRef<ShelfMsg>): void {
  // Type-level only: never called, compiled.
  same<ReplyTo<ShelfMsg, { type: 'get'; id: 1 }>, Item | undefined>(true);
  same<ReplyTo<ShelfMsg, { type: 'put'; item: Item }>, number>(true);
  same<ReplyTo<ShelfMsg, { type: 'get'; id: 1 } | { type: 'list' }>, Item | undefined | Item[]>(true);
  const get: Promise<Item | undefined> = ref.ask({ type: 'get', id: 1 });
  const put: Promise<number> = ref.ask({ type: 'put', item: { id: 1, name: 'a' } }, { timeoutMs: 10 });
  const list: Promise<Item[]> = ref.ask({ type: 'list', all: true });
  // @ts-expect-error the reply of `get` is not a list
  const wrong: Promise<Item[]> = ref.ask({ type: 'get', id: 1 });
  // @ts-expect-error a misspelt optional field is refused, as tell refuses it
  void ref.ask({ type: 'list', al: true });
  // @ts-expect-error a required field is missing
  void ref.ask({ type: 'get' });
  ref.tell({ type: 'touch', id: 1 });
  void [get, put, list, wrong];
}

function unTagged(ref: ActorRef<number & Reply<string>>): void {
  const s: Promise<string> = ref.ask(21);
  void s;
}
void [shelf, unTagged];

t.test('ask answers what the handler returns, typed by the message', async (t) => {
  const system = testSystem(t);
  const items = new Map<number, Item>();
  let touched = 0;
  const ref = system.spawn<ShelfMsg>(() => ({
    receive: (msg) => {
      switch (msg.type) {
        case 'get':
          return items.get(msg.id);
        case 'put':
          items.set(msg.item.id, msg.item);
          return items.size;
        case 'list':
          return [...items.values()];
        case 'touch':
          touched++;
          return undefined;
      }
    },
  }));
  const size = await ref.ask({ type: 'put', item: { id: 7, name: 'seven' } });
  t.equal(size + 1, 2, 'the reply is a number');
  const item = await ref.ask({ type: 'get', id: 7 });
  t.equal(item?.name, 'seven');
  t.same(
    (await ref.ask({ type: 'list' })).map((i) => i.id),
    [7],
  );
  ref.tell({ type: 'touch', id: 7 });
  t.equal(await ref.ask({ type: 'get', id: 8 }), undefined);
  t.equal(touched, 1, 'a tell-only message is still told');
});

t.test('untagged messages carry one reply type', async (t) => {
  const system = testSystem(t);
  const ref = system.spawn<number & Reply<string>>(() => ({ receive: (n) => `#${n}` }));
  const s = await ref.ask(21);
  t.equal(s.length, 3);
  t.equal(s, '#21');
});
