/**
 * The loops a rank runs over a run of hosts' values: one per operator, so
 * each stays monomorphic and tight. Division by zero gives 0, and a
 * finished rank is never NaN nor -0, as arithmetic() and finishRank() in
 * expr/values.ts.
 */
import type { ArithmeticOp } from './expr/index.js';

/** finishRank over a run of values: NaN gives 0, -0 gives 0. */
export function finish(out: Float64Array, count: number): void {
  for (let k = 0; k < count; k++) {
    const r = out[k] as number;
    out[k] = r !== r ? 0 : r + 0;
  }
}

/** out[k] op= c, k < count. */
export function applyConstant(op: ArithmeticOp, out: Float64Array, count: number, c: number): void {
  switch (op) {
    case '+':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) + c;
      return;
    case '-':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) - c;
      return;
    case '*':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) * c;
      return;
    case '/':
      if (c === 0) out.fill(0, 0, count);
      else for (let k = 0; k < count; k++) out[k] = (out[k] as number) / c;
      return;
  }
}

/** out[k] op= column[hosts[k]], k < count. */
export function applyGathered(op: ArithmeticOp, out: Float64Array, count: number, column: Float64Array, hosts: Int32Array): void {
  switch (op) {
    case '+':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) + (column[hosts[k] as number] as number);
      return;
    case '-':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) - (column[hosts[k] as number] as number);
      return;
    case '*':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) * (column[hosts[k] as number] as number);
      return;
    case '/':
      for (let k = 0; k < count; k++) {
        const x = column[hosts[k] as number] as number;
        out[k] = x === 0 ? 0 : (out[k] as number) / x;
      }
      return;
  }
}

/** out[k] op= x[k], k < count. */
export function applyVector(op: ArithmeticOp, out: Float64Array, count: number, x: Float64Array): void {
  switch (op) {
    case '+':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) + (x[k] as number);
      return;
    case '-':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) - (x[k] as number);
      return;
    case '*':
      for (let k = 0; k < count; k++) out[k] = (out[k] as number) * (x[k] as number);
      return;
    case '/':
      for (let k = 0; k < count; k++) {
        const y = x[k] as number;
        out[k] = y === 0 ? 0 : (out[k] as number) / y;
      }
      return;
  }
}
