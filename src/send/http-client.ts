// undici's Agent with only the request API attached. The package's index also loads fetch,
// WebSocket, EventSource, caches and mocks: about 50 ms more at every start for code reqchain
// never calls. This wires the same pieces the index wires for `Agent#request`.
import Agent from 'undici/lib/dispatcher/agent.js'
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js'
import api from 'undici/lib/api/index.js'

Object.assign(Dispatcher.prototype, api)

export { Agent }
