// Deep imports of undici (see send/http-client.ts); the types are the package's public ones.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici'
  const AgentClass: typeof Agent
  export default AgentClass
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  const DispatcherClass: { prototype: object }
  export default DispatcherClass
}
declare module 'undici/lib/api/index.js' {
  const api: Record<string, unknown>
  export default api
}
declare module 'undici/lib/core/connect.js' {
  const buildConnector: (options: object) => unknown
  export default buildConnector
}
declare module 'undici/lib/dispatcher/proxy-agent.js' {
  import type { ProxyAgent } from 'undici'
  const ProxyAgentClass: typeof ProxyAgent
  export default ProxyAgentClass
}
