// tsc does not copy the generated validator (plain JS); put it beside the compiled model.
import { cpSync, mkdirSync, chmodSync, existsSync } from 'node:fs';
mkdirSync('dist/model/generated', { recursive: true });
cpSync('src/model/generated/validate-event.js', 'dist/model/generated/validate-event.js');
cpSync('src/model/generated/validate-event.d.ts', 'dist/model/generated/validate-event.d.ts');
cpSync('src/model/generated/attribute-types.js', 'dist/model/generated/attribute-types.js');
cpSync('src/model/generated/attribute-types.d.ts', 'dist/model/generated/attribute-types.d.ts');
if (existsSync('dist/cli/bin.js')) chmodSync('dist/cli/bin.js', 0o755);
