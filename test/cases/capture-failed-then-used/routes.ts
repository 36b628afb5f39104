import { json, type Routes } from '../../helpers/server.js'

export const routes: Routes = {
  'POST /login': (_req, res) => json(res, { error: 'database is down' }, 503),
}
