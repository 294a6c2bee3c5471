#!/usr/bin/env node
// `pnpm docs`: the API reference of every published package, built with TypeDoc (typedoc.json) into docs/api/.
// `pnpm docs:check` (run by `pnpm test`): the same conversion without writing HTML, failing when
//   - a symbol a package exports (class, function, interface, type, variable, enum) has no TSDoc comment,
//   - a public method or accessor declared by an exported class has none,
//   - TypeDoc warns (a broken {@link}, an @param naming no parameter, …).
// Members of interfaces and plain properties are not required (many are self-describing option fields); they
// are listed with --members. Works offline: TypeDoc reads only the sources.
import { Application, ReflectionKind } from 'typedoc';

const check = process.argv.includes('--check');
const listMembers = process.argv.includes('--members');

const app = await Application.bootstrapWithPlugins({
  options: 'typedoc.json',
  // TypeDoc's own notDocumented check is replaced by the one below (it requires every member of every
  // interface, or none); a broken link still fails.
  validation: { notExported: false, invalidLink: true, notDocumented: false },
  treatWarningsAsErrors: check,
});
const started = Date.now();
const project = await app.convert();
if (!project) {
  console.error('docs: TypeDoc could not convert the sources (see above).');
  process.exit(1);
}
// Modules are named by path (`core/src`); show the package names users import instead.
for (const mod of project.children ?? []) {
  const m = /^([^/]+)\/src(?:\/(.+))?$/.exec(mod.name);
  if (m) mod.name = `${m[1] === 'layerwise' ? 'layerwise' : `@layerwise/${m[1]}`}${m[2] ? `/${m[2]}` : ''}`;
}
app.validate(project);

const TOP =
  ReflectionKind.Class |
  ReflectionKind.Function |
  ReflectionKind.Interface |
  ReflectionKind.TypeAlias |
  ReflectionKind.Variable |
  ReflectionKind.Enum;
const MEMBER = ReflectionKind.Method | ReflectionKind.Accessor;

/** A declaration documents itself, or (functions, methods, accessors) through any of its signatures. */
function documented(r) {
  if (r.hasComment()) return true;
  const sigs = [...(r.signatures ?? []), r.getSignature, r.setSignature].filter(Boolean);
  return sigs.some((s) => s.hasComment());
}

const missing = [];
const members = [];
for (const mod of project.children ?? []) {
  for (const r of mod.children ?? []) {
    if (!r.kindOf(TOP)) continue;
    if (!documented(r)) missing.push(`${mod.name}: ${r.name} (${ReflectionKind[r.kind]})`);
    for (const m of r.children ?? []) {
      if (m.flags.isPrivate || m.flags.isProtected || m.inheritedFrom || m.name.startsWith('[')) continue;
      if (documented(m)) continue;
      if (r.kindOf(ReflectionKind.Class) && m.kindOf(MEMBER)) {
        missing.push(`${mod.name}: ${r.name}.${m.name} (${ReflectionKind[m.kind]})`);
      } else members.push(`${mod.name}: ${r.name}.${m.name} (${ReflectionKind[m.kind]})`);
    }
  }
}
const unique = [...new Set(missing)];
if (listMembers) for (const m of [...new Set(members)]) console.log(`member without TSDoc: ${m}`);
if (!check) await app.generateOutputs(project);
const failed = unique.length > 0 || app.logger.hasErrors() || app.logger.hasWarnings();
for (const m of unique) console.error(`undocumented export: ${m}`);
console.log(
  `docs: ${project.children?.length ?? 0} entry points, ${unique.length} undocumented exports, ${new Set(members).size} interface members or properties without TSDoc (not required), ${((Date.now() - started) / 1000).toFixed(1)} s${check ? '' : ' — written to docs/api/index.html'}`,
);
process.exit(failed ? 1 : 0);
