#!/usr/bin/env node
// Dump the expression catalogue embedded in the Architect Scripting SDK
// (npm purecloud-flow-scripting-api-sdk-javascript 0.0.18, MIT) as JSON on stdout.
// Run by `python -m ivr_ci.expr.gencatalogue`; not used at run time (the product is Python).
//   node sdk_dump.js /path/to/scripting.bundle.js
// Loading technique as in ../shared/tools/architect-expr-check/check.js: expose webpack's
// require, then read the ExpressionDataService (module 52), the type registry (29), the
// well-known types (21) and the system variables (884).
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');

const file = process.argv[2];
let src = fs.readFileSync(file, 'utf8');
const needle = 't.p="/build-scripting/release/",t(t.s=1344)';
if (!src.includes(needle)) { console.error('bundle entry point not recognised (not SDK 0.0.18?)'); process.exit(2); }
src = src.replace(needle, 't.p="/build-scripting/release/",global.__archWebpackRequire=t,t(t.s=1344)');
const m = new Module(file, module);
m.filename = file;
m.paths = Module._nodeModulePaths(path.dirname(file));
const log = console.log, info = console.info;
console.log = console.info = () => {};   // the SDK prints a banner on load
try { m._compile(src, file); } finally { console.log = log; console.info = info; }
const W = global.__archWebpackRequire;
const Funcs = W(52), G = W(29).getGlobalTypeGroup(), SysVars = W(884), Resolvers = W(309);
// result resolvers (module 309) are bound functions: name them by identity
const resolverName = fn => (fn ? Object.keys(Resolvers.map).find(k => Resolvers.map[k] === fn) || 'unknown' : null);

const name = t => (t ? t.displayString : null);
const typeRef = t => (t ? { type: name(t.singletonType || t), isArray: !!t.isCollection } : null);

const types = [];
for (const code of Object.keys(G.map)) {
  const e = G.map[code], t = e.single;
  const props = {};
  const p = t.properties || {};
  for (const x of (Array.isArray(p) ? p : Object.values(p))) {
    props[x.name] = Object.assign(typeRef(x.type), x.featureToggle ? { featureToggle: x.featureToggle } : {});
  }
  const casts = [];
  for (const code2 of Object.keys(G.map)) {
    for (const from of [G.map[code2].single, G.map[code2].collection]) {
      if (!from || from === t) continue;
      const fn = t.getDefaultImplicitConversionFunc(from);
      if (fn) casts.push(Object.assign({ from: name(from.singletonType || from) }, from.isCollection ? { fromArray: true } : {}, { function: fn.text }));
    }
  }
  types.push({ code, name: name(t), collection: e.collection ? name(e.collection) : null,
    inherits: name(t.inheritedType), supportedByAny: !!t.isSupportedByAny, complex: !!t.isComplex,
    properties: props, implicitCastsFrom: casts });
}

const funcs = [], examples = [];
for (const f of Funcs.expressionFuncOps) {
  const overloads = f.overloads.map(o => {
    for (const ex of (o.examples || [])) examples.push({ function: f.text, overload: o.id, input: ex.input, output: ex.output });
    return {
      id: o.id, returns: typeRef(o.returnType), resolver: resolverName(o.resultResolver),
      params: (o.operands || []).map(x => Object.assign({ name: x.name }, typeRef(x.type), {
        repeatable: !!x.canAppearMoreThanOnce, allowNotSet: !!x.allowNotSet, mustBeLiteral: !!x.mustBeLiteral },
        x.min !== undefined ? { min: x.min } : {}, x.max !== undefined ? { max: x.max } : {},
        x.disallowZero ? { disallowZero: true } : {}, x.literalValidatorName ? { literalValidator: x.literalValidatorName } : {})),
      needsServerInfo: !!o.needsServerInfo, featureToggle: o.featureToggle || null, hidden: !!o.hidden,
      disallowAsDefaultCast: !!o.disallowAsDefaultCast, mustBeLast: !!o.mustBeLastOperationOrFunction,
      supportedFlowTypes: o.supportedFlowTypes ? Object.keys(o.supportedFlowTypes).sort() : null,
      version: o.version || null,
    };
  });
  funcs.push({ name: f.text, identifier: f.identifier, operator: !!f.isOperator,
    category: f.funcCategory && f.funcCategory.displayName ? f.funcCategory.displayName : null,
    description: f.description || null, overloads });
}

const variables = [];
for (const group of Object.keys(SysVars)) for (const v of SysVars[group]) {
  if (v.isInternal) continue;
  let t = v.__type === 'ComplexVariable' ? G.getType(v.typeIdentifier) : null;
  if (!t) { const e = Object.values(G.map).find(x => x.single.icwsType === v.__type); t = e && e.single; }
  variables.push({ name: v.name, group, type: t ? name(t) : null, isArray: !!v.isCollection,
    sdkType: v.__type, description: v.description || null, deprecatedName: v.deprecatedName || null });
}

// literal values the SDK validates parameters against (module 52 _validateLiteralWithProvider):
// dialing codes (module 134, exact keys), TTS language tags (module 118, lower-case keys),
// ISO 4217 currency codes (module 172, upper-case keys)
const literalValues = {
  DialingCodes: { match: 'exact', values: Object.keys(W(134).dialingCodes || {}).sort() },
  SupportedTTSLangs: { match: 'lower', values: Object.keys(W(118)).filter(k => k === k.toLowerCase()).sort() },
  ISO4217: { match: 'upper', values: Object.keys(W(172)).sort() },
};

process.stdout.write(JSON.stringify({ types, functions: funcs, variables, literalValues, examples }));
