/**
 * `npm run build:wasm`: compiles lib/compute/simd/kernels.wat to kernels.wasm
 * (committed, so nothing is compiled at install or run time).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const WAT = path.join(__dirname, '..', 'lib', 'compute', 'simd', 'kernels.wat');
export const WASM = WAT.replace(/\.wat$/, '.wasm');

/** The binary of the .wat source, built with wabt (a dev dependency). */
export async function buildKernels(): Promise<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const wabt = await (require('wabt') as () => Promise<WabtModule>)();
  const mod = wabt.parseWat(path.basename(WAT), fs.readFileSync(WAT, 'utf8'), { simd: true });
  try {
    mod.validate();
    return mod.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    mod.destroy();
  }
}

interface WabtModule {
  parseWat(
    file: string,
    text: string,
    features?: Record<string, boolean>,
  ): { validate(): void; toBinary(o: object): { buffer: Uint8Array }; destroy(): void };
}

if (require.main === module) {
  buildKernels().then(
    (bytes) => {
      fs.writeFileSync(WASM, bytes);
      console.log(`wrote ${path.relative(process.cwd(), WASM)} (${bytes.length} bytes)`);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
