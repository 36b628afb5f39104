// The same server as the chain without scripts: the scripts must carry the chain as captures do.
export { routes } from '../chain-login-then-get/routes.js'
