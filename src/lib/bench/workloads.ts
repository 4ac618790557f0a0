/**
 * The write workloads of `vrss-db bench`: each is one or more pgbench scripts in src/sql/bench
 * (the built-in driver reads the same files), with weights when a workload mixes them.
 */
export interface WorkloadScript {
  /** src/sql/bench/<file>.sql */
  file: string
  weight: number
}

export interface Workload {
  name: string
  description: string
  scripts: WorkloadScript[]
}

const one = (file: string): WorkloadScript[] => [{ file, weight: 1 }]

export const WORKLOADS: Workload[] = [
  {
    name: 'likes-spread',
    description: 'like + unlike of a random post',
    scripts: one('likes-spread'),
  },
  {
    name: 'likes-hot',
    description: 'like + unlike of one viral post',
    scripts: one('likes-hot'),
  },
  {
    name: 'comments',
    description: 'comment, reply, soft delete of the comment',
    scripts: one('comments'),
  },
  {
    name: 'follows',
    description: 'follow, follow back (friendship), unfollow',
    scripts: one('follows'),
  },
  {
    name: 'uploads',
    description: 'upload up to 1 MB with the storage 2 MB short of the quota, delete it',
    scripts: one('uploads'),
  },
  {
    name: 'app-day',
    description:
      'the mix of a day: 60% likes (10% on the viral post), 15% comments, 15% follows, 10% uploads',
    scripts: [
      { file: 'likes-spread', weight: 50 },
      { file: 'likes-hot', weight: 10 },
      { file: 'comments', weight: 15 },
      { file: 'follows', weight: 15 },
      { file: 'uploads', weight: 10 },
    ],
  },
]

export function findWorkload(name: string): Workload | undefined {
  return WORKLOADS.find((w) => w.name === name)
}
