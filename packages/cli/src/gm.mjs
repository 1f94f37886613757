// The bundle's entry: say where the assets are, then run the command line (ES modules run in import order).
import './assets.mjs';
import '@gm/runtime/cli';
