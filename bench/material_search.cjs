// Run Material for MkDocs' own search worker (lunr + Material's query handling) under Node, outside a browser.
//
//   node bench/material_search.cjs SITE_DIR < queries.jsonl > results.jsonl
//
// SITE_DIR is a built site (build/site or build/site/zh): its search/search_index.json is loaded into the worker
// shipped in SITE_DIR/assets/javascripts/workers/search.*.min.js, exactly as the browser does (same config,
// lunr-languages scripts, `search.suggest` option). Each input line is a JSON string (the query as typed); each
// output line is {"query", "groups": [[{"location", "score"}, ...], ...]}: the worker's result groups, one per page,
// in the order Material shows them. Used by bench/search_quality.py.
"use strict"

const fs = require("fs")
const path = require("path")
const readline = require("readline")
const vm = require("vm")

const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3  // SearchMessageType in Material's worker

async function main() {
  const site = process.argv[2]
  if (!site) {
    process.stderr.write("usage: node material_search.cjs SITE_DIR < queries.jsonl\n")
    process.exit(2)
  }
  const workers = path.join(site, "assets", "javascripts", "workers")
  const worker = fs.readdirSync(workers).find(name => /^search\..*\.min\.js$/.test(name))
  const index = JSON.parse(fs.readFileSync(path.join(site, "search", "search_index.json"), "utf8"))

  // A web worker's global scope, as far as Material's worker needs one.
  let listener = null
  let posted = null
  const scope = {
    console: { log() {}, warn() {}, error() {} },  // the worker warns on invalid queries; we report them ourselves
    setTimeout, clearTimeout, TextEncoder, TextDecoder, Intl, URL,
    addEventListener: (type, fn) => { if (type === "message") listener = fn },
    postMessage: message => { posted = message },
    importScripts: (...urls) => {
      for (const url of urls) {
        // "../lunr/min/lunr.zh.min.js", relative to the worker's directory
        const file = path.resolve(workers, url)
        vm.runInContext(fs.readFileSync(file, "utf8"), scope, { filename: file })
      }
    },
  }
  scope.self = scope
  vm.createContext(scope)
  vm.runInContext(fs.readFileSync(path.join(workers, worker), "utf8"), scope, { filename: worker })

  async function send(message) {
    posted = null
    await listener({ data: message })
    return posted
  }

  const ready = await send({ type: SETUP, data: { ...index, options: { suggest: true } } })
  if (!ready || ready.type !== READY) throw new Error("the search worker did not become ready")

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line.trim()) continue
    const query = JSON.parse(line)
    const result = await send({ type: QUERY, data: query })
    const items = result && result.type === RESULT ? result.data.items : []
    const groups = items.map(group => group.map(item => ({ location: item.location, score: item.score })))
    process.stdout.write(JSON.stringify({ query, groups }) + "\n")
  }
}

main().catch(error => {
  process.stderr.write(`material_search: ${error && error.stack || error}\n`)
  process.exit(1)
})
