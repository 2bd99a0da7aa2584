// tsc does not copy the generated validator (plain JS); put it beside the compiled model.
import { cpSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
mkdirSync('dist/model/generated', { recursive: true });
cpSync('src/model/generated/validate-event.js', 'dist/model/generated/validate-event.js');
cpSync('src/model/generated/validate-event.d.ts', 'dist/model/generated/validate-event.d.ts');
if (existsSync('dist/cli/bin.js')) chmodSync('dist/cli/bin.js', 0o755);
