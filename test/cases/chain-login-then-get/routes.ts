import { json, type Routes } from '../../helpers/server.js'

export const routes: Routes = {
  'POST /login': (_req, res, body) => {
    const { password } = JSON.parse(body.toString()) as { password: string }
    json(res, { token: password === 's3cret-pass' ? 'tok-123' : 'bad', message: 'Welcome, ada' }, 200, {
      'X-Session': 'sess-9',
    })
  },
  'GET /me': (req, res) =>
    json(
      res,
      req.headers.authorization === 'Bearer tok-123' && req.headers['x-session'] === 'sess-9' ? { id: 42 } : { id: 0 },
    ),
  'PUT /users/42': (_req, res, body) => json(res, { updated: true, received: JSON.parse(body.toString()) }),
}
