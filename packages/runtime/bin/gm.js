#!/usr/bin/env node
// The gm command line. Needs Node >= 22 (Langium 4); `npx gm` from the repository provides it.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
    console.error(`gm needs Node.js 22 or newer (this is ${process.version}); run it as 'npx gm …' inside the gm repository, which brings Node 22.`);
    process.exit(2);
}
await import('../out/cli/main.js');
