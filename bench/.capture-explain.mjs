import { benchServer, runCli } from './lib.mjs'
const server = await benchServer()
const url = server.urlFor('vrss')
try {
  runCli(['migrate', '--database-url', url])
  runCli(['seed', '--users', '10000', '--database-url', url])
  console.log(runCli(['explain', '--no-fail', '--database-url', url]).stdout)
} finally {
  await server.stop()
}
