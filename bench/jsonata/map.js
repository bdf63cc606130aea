#!/usr/bin/env node
// The JSONata peer of the mapping benchmark: evaluates timerex.jsonata on every booking of an
// NDJSON file and prints one JSON line per input line, in order.
//
//   node bench/jsonata/map.js [--freemail rules/free-email-domains.txt] BOOKINGS.ndjson > MAPPED.ndjson
//
// Lines that are not JSON print {"line":N,"booking":null,"error":{"code":"R001",...}} here; all
// the rest (shape errors, the guard, the mapping) is the expression's. The free-mail list is
// passed to the expression as the function $isFreeMail(domain).
'use strict';

const fs = require('fs');
const path = require('path');
const jsonata = require('jsonata');

const BLANKS = /^[ \t\n\v\f\r\u3000]+|[ \t\n\v\f\r\u3000]+$/g;

function usage(message) {
  process.stderr.write(`map.js: ${message}\nusage: node map.js [--freemail FILE] BOOKINGS.ndjson\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { freemail: path.join(__dirname, '..', '..', 'rules', 'free-email-domains.txt'), input: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--freemail') {
      if (i + 1 >= argv.length) usage('--freemail needs a file');
      args.freemail = argv[++i];
    } else if (args.input === null && !argv[i].startsWith('--')) {
      args.input = argv[i];
    } else {
      usage(`unexpected argument ${argv[i]}`);
    }
  }
  if (args.input === null) usage('no input file');
  return args;
}

// One domain a line; blank lines and lines starting with '#' are ignored.
function loadFreeMail(file) {
  const set = new Set();
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(BLANKS, '');
    if (line !== '' && !line.startsWith('#')) set.add(line);
  }
  return set;
}

// Yields the lines of a file (split on '\n' only, as jq -R and the C++ programs do), decoded
// as UTF-8; a last line without '\n' counts, an empty file has no lines.
async function* readLines(file) {
  let rest = null;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = rest === null ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    let nl;
    while ((nl = buf.indexOf(0x0a, start)) !== -1) {
      yield buf.toString('utf8', start, nl);
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
  }
  if (rest !== null) yield rest.toString('utf8');
}

// Collects output lines and writes them in large chunks, minding back-pressure.
class Output {
  constructor(stream) {
    this.stream = stream;
    this.parts = [];
    this.size = 0;
  }
  async line(text) {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }
  async flush() {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await new Promise((resolve) => this.stream.once('drain', resolve));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const expression = jsonata(fs.readFileSync(path.join(__dirname, 'timerex.jsonata'), 'utf8'));
  const freeMail = loadFreeMail(args.freemail);
  expression.registerFunction('isFreeMail', (domain) => freeMail.has(domain), '<s:b>');

  const out = new Output(process.stdout);
  let line = 0;
  for await (const text of readLines(args.input)) {
    line++;
    let booking;
    try {
      booking = JSON.parse(text);
    } catch (e) {
      await out.line(JSON.stringify({ line, booking: null, error: { code: 'R001', message: `invalid JSON: ${e.message}` } }));
      continue;
    }
    const result = await expression.evaluate(booking, { line });
    await out.line(JSON.stringify(result));
  }
  await out.flush();
}

main().catch((e) => {
  process.stderr.write(`map.js: ${e && e.stack ? e.stack : JSON.stringify(e)}\n`);
  process.exit(1);
});
