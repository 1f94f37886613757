import { EmptyFileSystem } from 'langium';
import { createGmServices, type GmServices } from '../src/gm-module.js';
import { ensureLibrary } from '../src/gm-workspace.js';

/** Fresh gm services over an in-memory file system, with the built-in library loaded. */
export async function testServices(): Promise<GmServices> {
    const { Gm } = createGmServices(EmptyFileSystem);
    await ensureLibrary(Gm.shared);
    return Gm;
}
