import { json, type Routes } from '../../helpers/server.js'

export const routes: Routes = {
  'GET /ping': (_req, res) => json(res, { pong: true }),
}
