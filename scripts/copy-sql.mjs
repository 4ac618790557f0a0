// The build step after tsc: the CLI reads its SQL files from dist/sql at run time.
import { cpSync, rmSync } from 'node:fs'

rmSync('dist/sql', { recursive: true, force: true })
cpSync('src/sql', 'dist/sql', { recursive: true })
