import type { TestProject } from 'vitest/node'
import { startBackend } from './backend.js'

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string
    backendKind: string
  }
}

export default async function setup(project: TestProject) {
  const backend = await startBackend()
  process.stderr.write(`[vrss-db tests] PostgreSQL backend: ${backend.kind}\n`)
  project.provide('adminUrl', backend.adminUrl)
  project.provide('backendKind', backend.kind)
  return async () => {
    await backend.stop()
  }
}
