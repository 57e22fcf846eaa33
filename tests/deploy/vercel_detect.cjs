#!/usr/bin/env node
// What Vercel would build from a directory, decided by Vercel's own packages:
//   node tests/deploy/vercel_detect.cjs <project-dir> <scratch-dir>
// copies into <scratch-dir> what the Vercel CLI uploads from <project-dir> (its default ignores
// plus .vercelignore, matched with the `ignore` package as the CLI does), then prints one JSON
// object on stdout:
//   manifest:   the Python manifest @vercel/python-analysis picks for api/index.py (path, origin,
//               the dependency names it would install) -- what @vercel/python installs from;
//   entrypoint: the WSGI/ASGI variable findAppOrHandler finds in api/index.py;
//   builds:     the functions Vercel builds: vercel.json `builds` expanded against the files the
//               way the CLI does (minimatch on each `src`) when `builds` is declared, otherwise
//               @vercel/fs-detectors' detectBuilders (zero-config);
//   zeroConfig: what detectBuilders alone would build from the same files (to show why `builds`
//               is declared).
'use strict';

const fs = require('fs');
const path = require('path');
const analysis = require('@vercel/python-analysis');
const { detectBuilders } = require('@vercel/fs-detectors');
const minimatch = require('minimatch');
const ignore = require('ignore');

// The Vercel CLI's own ignores, always applied before .vercelignore (@vercel/client).
const DEFAULT_IGNORES = [
  '.hg', '.git', '.gitmodules', '.svn', '.cache', '.next', '.now', '.vercel', '.npmignore',
  '.dockerignore', '.gitignore', '.*.swp', '.DS_Store', '.wafpicke-*', '.lock-wscript',
  '.env.local', '.env.*.local', '.venv', 'npm-debug.log', 'config.gypi', 'node_modules',
  '__pycache__', 'venv', 'CVS',
];

function uploadTree(project, scratch) {
  const rules = ignore().add(DEFAULT_IGNORES);
  const vercelignore = path.join(project, '.vercelignore');
  if (fs.existsSync(vercelignore)) rules.add(fs.readFileSync(vercelignore, 'utf8'));
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(project, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) {
        if (rules.ignores(rel)) continue;
      }
      const isDir = entry.isDirectory();
      if (rules.ignores(isDir ? `${rel}/` : rel)) continue;
      if (isDir) {
        walk(rel);
      } else if (entry.isFile()) {
        fs.mkdirSync(path.join(scratch, dir), { recursive: true });
        fs.copyFileSync(path.join(project, rel), path.join(scratch, rel));
      }
    }
  };
  walk('');
}

function listFiles(root, dir = '') {
  const out = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, rel));
    else out.push(rel);
  }
  return out.sort();
}

function summarise(builders) {
  return (builders || []).map((b) => ({ src: b.src, use: b.use, config: b.config || {} }));
}

async function main() {
  const root = path.resolve(process.argv[3]);
  uploadTree(path.resolve(process.argv[2]), root);
  const files = listFiles(root);
  const config = JSON.parse(fs.readFileSync(path.join(root, 'vercel.json'), 'utf8'));

  const pkg = await analysis.discoverPythonPackage({
    entrypointDir: path.join(root, 'api'),
    rootDir: root,
  });
  const manifest = pkg.manifest
    ? {
        path: pkg.manifest.path,
        origin: pkg.manifest.origin ? pkg.manifest.origin.path : null,
        dependencies: (pkg.manifest.data.project || {}).dependencies || [],
      }
    : null;
  const entrypoint = await analysis.findAppOrHandler(
    fs.readFileSync(path.join(root, 'api', 'index.py'), 'utf8'),
  );

  const zero = await detectBuilders(files, null, {
    functions: config.functions,
    projectSettings: {},
    ignoreBuildScript: true,
    featHandleMiss: true,
    workPath: root,
  });
  let builds;
  if (config.builds && config.builds.length) {
    builds = config.builds.flatMap((b) =>
      files.filter((f) => f === b.src || minimatch(f, b.src)).map((src) => ({ ...b, src })),
    );
  } else {
    builds = zero.builders || [];
  }
  const functions = (list) =>
    summarise(list).filter((b) => !/^@vercel\/static$/.test(b.use));
  process.stdout.write(
    JSON.stringify({
      files,
      manifest,
      entrypoint,
      builds: functions(builds),
      zeroConfig: functions(zero.builders),
      errors: zero.errors,
    }),
  );
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
