// The JetBrains HTTP Client script API, written in JavaScript and evaluated inside the sandbox
// before each script: `client`, `response`, `request`, `crypto`, `$random`, `console`, `btoa` and
// `atob`. It reaches the host only through `host`, whose functions take and return strings (JSON
// where a value is not a string); every change (a global set, a request variable) is handed to
// the host as it happens, so a script that later fails or loops has still made it. The function
// returned reports what the host cannot see as it happens: the tests' results.
export const PRELUDE = String.raw`(function (host, inputText) {
  'use strict'
  var input = JSON.parse(inputText)
  var tests = []
  var inTest = 0
  var EXIT = { reqchainExit: true }
  var STOP = { reqchainStop: true }
  var SCRIPT = 'reqchain-script:'

  function where() {
    var stack = String(new Error().stack || '').split('\n')
    for (var i = 0; i < stack.length; i++) {
      var at = stack[i].indexOf(SCRIPT)
      if (at >= 0) {
        var m = /^(\d+):(\d+)/.exec(stack[i].slice(at + SCRIPT.length))
        if (m) return { line: Number(m[1]), column: Number(m[2]) }
      }
    }
    return null
  }
  function text(value) {
    if (typeof value === 'string') return value
    if (value === undefined) return 'undefined'
    if (typeof value === 'function') return '[function]'
    try { var json = JSON.stringify(value); return json === undefined ? String(value) : json } catch (e) { return String(value) }
  }
  function encode(value) {
    var json = JSON.stringify(value === undefined ? null : value)
    return json === undefined ? 'null' : json
  }
  function decode(json) { return json === undefined ? null : JSON.parse(json) }
  function log() {
    var parts = []
    for (var i = 0; i < arguments.length; i++) parts.push(text(arguments[i]))
    host.log(parts.join(' '))
  }
  function frozen(object) { return Object.freeze(object) }
  // What few scripts use is compiled only when one does: each part is the source of a function of
  // (host, helpers), evaluated on first use.
  var helpers = { encode: encode, decode: decode, frozen: frozen }
  var compile = eval // taken now: a script may replace the global one
  function part(name) { return (0, compile)(host.part(name))(host, helpers) }
  function lazyGlobal(name) {
    Object.defineProperty(globalThis, name, { configurable: true, get: function () {
      var value = part(name)
      Object.defineProperty(globalThis, name, { value: value, configurable: false, writable: false })
      return value
    } })
  }

  var global = frozen({
    set: function (name, value) { host.setGlobal(String(name), encode(value)) },
    get: function (name) { return decode(host.getVariable(String(name))) },
    isEmpty: function () { return host.globalsEmpty() === 'true' },
    clear: function (name) { host.clearGlobal(String(name)) },
    clearAll: function () { host.clearAllGlobals() },
  })
  var requestVariables = frozen({
    set: function (name, value) { host.setRequestVariable(String(name), encode(value)) },
    get: function (name) { return decode(host.getVariable(String(name))) },
  })
  var environment = frozen({
    get: function (name) { return decode(host.getEnvironment(String(name))) },
  })

  var client = frozen({
    global: global,
    variables: frozen({ global: global, request: requestVariables, environment: environment,
      file: frozen({ get: function (name) { return decode(host.getVariable(String(name))) } }) }),
    test: function (name, fn) {
      var at = where()
      inTest++
      try {
        fn()
        tests.push({ name: text(name), ok: true, at: at })
      } catch (error) {
        if (error === EXIT) throw error
        tests.push({ name: text(name), ok: false, message: error && error.message !== undefined ? String(error.message) : text(error), at: at })
      } finally {
        inTest--
      }
    },
    assert: function (condition, message) {
      var label = message === undefined ? 'client.assert' : text(message)
      if (condition) { if (!inTest) tests.push({ name: label, ok: true, assert: true, at: where() }); return }
      if (inTest) throw new Error(message === undefined ? 'assertion failed' : text(message))
      tests.push({ name: label, ok: false, assert: true, message: message === undefined ? 'assertion failed' : text(message), at: where() })
      throw STOP
    },
    log: log,
    exit: function () { throw EXIT },
  })

  function headerList(pairs) {
    return ({
      valueOf: function (name) { var all = this.valuesOf(name); return all.length ? all[0] : null },
      valuesOf: function (name) {
        var lower = String(name).toLowerCase(), out = []
        for (var i = 0; i < pairs.length; i++) if (pairs[i][0].toLowerCase() === lower) out.push(pairs[i][1])
        return out
      },
    })
  }

  function parsedBody(raw, mimeType) {
    if (raw === '' ) return raw
    if (/json/i.test(mimeType) || input.response.assembled) { try { return JSON.parse(raw) } catch (e) { return raw } }
    return raw
  }

  if (input.response) {
    var r = input.response
    var body, bodyRead = false
    var response = {
      status: r.status,
      headers: headerList(r.headers),
      contentType: frozen({ mimeType: r.mimeType, charset: r.charset }),
    }
    Object.defineProperty(response, 'body', { enumerable: true, get: function () {
      if (!bodyRead) {
        bodyRead = true
        body = parsedBody(host.responseBody(), r.mimeType)
        if (r.stream && body !== null && typeof body === 'object') part('stream')(body)
      }
      return body
    } })
    globalThis.response = response
  }

  Object.defineProperty(globalThis, 'request', { configurable: true, get: function () {
    var value = part('request')(input.request, requestVariables, environment)
    Object.defineProperty(globalThis, 'request', { value: value, configurable: false, writable: false })
    return value
  } })

  lazyGlobal('crypto')

  lazyGlobal('$random')
  Object.defineProperty(globalThis, '$uuid', { get: function () { return host.uuid() } })
  Object.defineProperty(globalThis, '$timestamp', { get: function () { return Math.floor(Date.now() / 1000) } })
  Object.defineProperty(globalThis, '$isoTimestamp', { get: function () { return new Date().toISOString() } })

  globalThis.client = client

  // httpyac's {{ }} blocks: httpyac's names beside JetBrains' ones.
  if (input.dialect === 'httpyac') part('httpyac')(client, input.response ? response : undefined, input)

  if (input.response) { frozen(response.headers); frozen(response) }
  globalThis.console = frozen({ log: log, info: log, warn: log, error: log, debug: log })
  // jsonPath(value, '$.a.b'): one match is the value, several an array, none null (as captures).
  globalThis.jsonPath = function (value, path) { return decode(host.jsonPath(encode(value), String(path))) }
  globalThis.btoa = function (value) { return host.btoa(String(value)) }
  globalThis.atob = function (value) { return host.atob(String(value)) }

  return function report() { return JSON.stringify({ tests: tests }) }
})`

/**
 * The parts of the API few scripts use, compiled only when one does (`part(name)` in the prelude):
 * each is a function of (host, helpers) that returns what the prelude puts in place. Compiling the
 * whole API for every script was most of a script's cost.
 */
export const PRELUDE_PARTS: Readonly<Record<string, string>> = {
  // response.body.onEachLine / onEachMessage, for a streamed reply.
  stream: String.raw`(function (host) {
  return function (body) {
    Object.defineProperty(body, 'onEachLine', { value: function (callback) {
      var stopped = false, lines = host.streamText().split(/\r?\n/)
      for (var i = 0; i < lines.length && !stopped; i++) if (lines[i] !== '') callback(lines[i], function () { stopped = true })
    } })
    Object.defineProperty(body, 'onEachMessage', { value: function (callback) {
      var stopped = false, messages = JSON.parse(host.streamMessages())
      for (var i = 0; i < messages.length && !stopped; i++) {
        var message = messages[i]
        try { message = JSON.parse(message) } catch (e) { /* a message that is text stays text */ }
        callback(message, function () { stopped = true })
      }
    } })
  }
})`,
  request: String.raw`(function (host, helpers) {
  var frozen = helpers.frozen
  return function (q, requestVariables, environment) {
    function templated(raw, sent) {
      var value = function () { return sent !== undefined ? sent : substitute(raw) }
      value.getRaw = function () { return raw }
      value.tryGetSubstituted = function () { return sent !== undefined ? sent : substitute(raw) }
      return value
    }
    function substitute(raw) { return raw === null ? null : host.substitute(raw) }
    var headers = q.headers.map(function (h) {
      return frozen({ name: h[0], value: h[2] !== undefined ? h[2] : h[1],
        getRawValue: function () { return h[1] },
        tryGetSubstitutedValue: function () { return h[2] !== undefined ? h[2] : substitute(h[1]) } })
    })
    return frozen({
      method: q.method,
      url: templated(q.url, q.sentUrl),
      body: templated(q.body, q.sentBody),
      headers: frozen({
        all: function () { return headers.slice() },
        findByName: function (name) {
          var lower = String(name).toLowerCase()
          for (var i = 0; i < headers.length; i++) if (headers[i].name.toLowerCase() === lower) return headers[i]
          return null
        },
      }),
      variables: requestVariables,
      environment: environment,
    })
  }
})`,
  crypto: String.raw`(function (host, helpers) {
  var encode = helpers.encode, frozen = helpers.frozen
  function digester(algorithm, secret) {
    var parts = []
    var self = {
      updateWithText: function (value) { parts.push(['text', String(value)]); return self },
      updateWithHex: function (value) { parts.push(['hex', String(value)]); return self },
      updateWithBase64: function (value) { parts.push(['base64', String(value)]); return self },
      digest: function () {
        var hex = host.digest(algorithm, encode(secret || null), encode(parts))
        return frozen({
          toHex: function () { return hex },
          toBase64: function (urlSafe) { return host.hexToBase64(hex, urlSafe ? 'url' : '') },
        })
      },
    }
    return self
  }
  function hmac(algorithm) {
    return function () {
      return frozen({
        withTextSecret: function (s) { return digester(algorithm, ['text', String(s)]) },
        withHexSecret: function (s) { return digester(algorithm, ['hex', String(s)]) },
        withBase64Secret: function (s) { return digester(algorithm, ['base64', String(s)]) },
      })
    }
  }
  var cryptoApi = { hmac: {} }
  ;['md5', 'sha1', 'sha256', 'sha384', 'sha512'].forEach(function (a) { cryptoApi[a] = function () { return digester(a) }; cryptoApi.hmac[a] = hmac(a) })
  frozen(cryptoApi.hmac)
  return frozen(cryptoApi)
})`,
  $random: String.raw`(function (host, helpers) {
  function pick(alphabet, length) {
    var out = ''
    for (var i = 0; i < Number(length); i++) out += alphabet[Math.floor(Math.random() * alphabet.length)]
    return out
  }
  var LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
  var random = {
    integer: function (from, to) { from = from === undefined ? 0 : Math.ceil(from); to = to === undefined ? 1000 : Math.floor(to); return from + Math.floor(Math.random() * (to - from)) },
    float: function (from, to) { from = from === undefined ? 0 : from; to = to === undefined ? 1000 : to; return from + Math.random() * (to - from) },
    alphabetic: function (length) { return pick(LETTERS, length) },
    alphanumeric: function (length) { return pick(LETTERS + '0123456789_', length) },
    hexadecimal: function (length) { return pick('0123456789abcdef', length) },
  }
  Object.defineProperty(random, 'uuid', { enumerable: true, get: function () { return host.uuid() } })
  Object.defineProperty(random, 'email', { enumerable: true, get: function () { return pick(LETTERS, 8).toLowerCase() + '@example.com' } })
  return helpers.frozen(random)
})`,
  // httpyac's {{ }} blocks: exports.x = … sets a variable, test(name, fn) is client.test, and the
  // response has httpyac's names beside JetBrains' ones.
  httpyac: String.raw`(function (host, helpers) {
  return function (client, response, input) {
    globalThis.exports = new Proxy({}, { set: function (target, name, value) { target[name] = value; if (typeof name === 'string') host.setGlobal(name, helpers.encode(value)); return true } })
    var test = function (name, fn) { client.test(name, fn) }
    test.status = function (code) { client.test('status == ' + code, function () { client.assert(response.status === code, 'status is ' + response.status) }) }
    globalThis.test = test
    if (!response) return
    Object.defineProperty(response, 'statusCode', { value: response.status })
    Object.defineProperty(response, 'parsedBody', { get: function () { return response.body } })
    for (var i = 0; i < input.response.headers.length; i++) {
      var pair = input.response.headers[i], key = pair[0].toLowerCase()
      if (key !== 'valueOf' && key !== 'valuesOf') response.headers[key] = key in response.headers ? response.headers[key] + ', ' + pair[1] : pair[1]
    }
  }
})`,
}

/** The markers the prelude throws to end a script early: client.exit(), and a failed client.assert outside a test. */
export const EARLY_END = /^\{"reqchain(Exit|Stop)":true\}$/
