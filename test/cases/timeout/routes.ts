import type { Routes } from '../../helpers/server.js'

export const routes: Routes = {
  'GET /slow': (_req, res) =>
    new Promise<void>((resolve) =>
      setTimeout(() => {
        res.end('late')
        resolve()
      }, 2000),
    ),
}
