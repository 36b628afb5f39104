import { json, type Routes } from '../../helpers/server.js'

export const routes: Routes = {
  'GET /missing': (_req, res) => json(res, { error: { code: 'gone' } }, 404),
}
