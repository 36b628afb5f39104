import { json, type Routes } from '../../helpers/server.js'

export const routes: Routes = {
  'GET /unrelated': (_req, res) => json(res, { never: true }),
  'POST /login': (_req, res) => json(res, { token: 'abc' }),
  'GET /me': (req, res) => json(res, { auth: req.headers.authorization }),
}
