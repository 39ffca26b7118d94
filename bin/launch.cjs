// Shared by the bin shims (bin/kscale, bin/kubectl-kscale, bin/kubectl_complete-kscale): refuse a
// Node.js older than 22.19 in one line, then load the real entry point and run it. CommonJS and
// ES2015 only, so that any Node can parse this file and reach the version check: no import
// statement, no import() in the source (it is built with Function below, after the check), no
// newer syntax.
/* global require, module, __dirname, process */
'use strict';
var fs = require('fs'); // eslint-disable-line @typescript-eslint/no-require-imports -- CommonJS on purpose (see above)
var path = require('path'); // eslint-disable-line @typescript-eslint/no-require-imports -- CommonJS on purpose
var url = require('url'); // eslint-disable-line @typescript-eslint/no-require-imports -- CommonJS on purpose

/** The oldest Node.js kscale runs on: @kubernetes/client-node 2.x's floor (package.json engines). */
var MINIMUM = [22, 19];

/** @param {string} version "22.19.0" @returns {boolean} */
function tooOld(version) {
  var parts = version.split('.');
  var major = Number(parts[0]);
  var minor = Number(parts[1]);
  return major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1]);
}

/**
 * Runs exportName(argv) of src/cli/<name>.ts in a source checkout (Node strips the types), else of
 * dist/cli/<name>.js (an installed package; Node refuses to strip types under node_modules).
 * @param {string} name @param {string} exportName
 */
function launch(name, exportName) {
  if (tooOld(process.versions.node)) {
    process.stderr.write('kscale needs Node.js ' + MINIMUM.join('.') + ' or newer; this is ' + process.version + '\n');
    process.exit(1);
  }
  var root = path.join(__dirname, '..');
  var source = path.join(root, 'src', 'cli', name + '.ts');
  var fromSource = root.split(path.sep).indexOf('node_modules') < 0 && fs.existsSync(source);
  var entry = fromSource ? source : path.join(root, 'dist', 'cli', name + '.js');
  if (!fromSource) process.setSourceMapsEnabled(true);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- hides import() from old parsers (see above)
  var load = /** @type {(specifier: string) => Promise<Record<string, (argv: string[]) => Promise<number>>>} */ (new Function('specifier', 'return import(specifier)'));
  load(url.pathToFileURL(entry).href).then(function (m) {
    var run = m[exportName];
    if (typeof run !== 'function') throw new Error(entry + ' has no ' + exportName + '()');
    return run(process.argv.slice(2));
  }).then(function (code) {
    process.exitCode = code;
  }, /** @param {unknown} e */ function (e) {
    process.stderr.write('kscale: cannot start: ' + (e instanceof Error ? e.message : String(e)) + '\n');
    process.exitCode = 1;
  });
}

module.exports = launch;
