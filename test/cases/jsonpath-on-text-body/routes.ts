import type { Routes } from '../../helpers/server.js'

export const routes: Routes = {
  'GET /text': (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' })
    res.end('<html><body>Service unavailable, try later</body></html>')
  },
}
