import type { Routes } from '../../helpers/server.js'

export const routes: Routes = {}
