import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Words per topic and language for the synthetic pool (each topic's words are its own). */
export const WORDS: Record<string, Record<'en' | 'zh', string[]>> = {
  sports: { en: ['football', 'league', 'coach', 'striker', 'goal', 'season', 'match', 'stadium'], zh: ['足球', '联赛', '教练', '球员', '进球', '赛季', '比赛', '球场'] },
  food_dining: { en: ['recipe', 'noodles', 'oven', 'garlic', 'dessert', 'restaurant', 'flavour', 'soup'], zh: ['菜谱', '面条', '烤箱', '大蒜', '甜点', '餐厅', '味道', '汤'] },
  technology: { en: ['software', 'laptop', 'chip', 'browser', 'server', 'phone', 'code', 'network'], zh: ['软件', '电脑', '芯片', '浏览器', '服务器', '手机', '代码', '网络'] },
};
export const TOPICS = Object.keys(WORDS);

/** The pool document whose text tries to run script (it must show as text). */
export const HOSTILE_ID = 'en-hostile-1';
export const HOSTILE_TEXT = 'Read this <script>window.__pwned = 1</script> and "><img src=x onerror="window.__pwned = 2"> football league coach goal';

const TAXONOMY = `name: workbench-test
version: 1
pool_labels: [web/*.jsonl]
abstain:
  id: none
  names: { en: "No topic (abstain)", zh: 无主题 }
  description: no topic fits
  reasons: [boilerplate, spam, other]
topics:
  - id: sports
    names: { en: "Sports & Fitness", zh: 体育运动 }
    description: sport
    includes: [sport]
  - id: food_dining
    names: { en: "Food & Drink", zh: 美食餐饮 }
    description: food
    includes: [food]
  - id: technology
    names: { en: "Technology & Computing", zh: 科技数码 }
    description: computing
    includes: [computing]
`;

function text(topic: string, lang: 'en' | 'zh', n: number): string {
  const w = WORDS[topic]![lang];
  const words = Array.from({ length: 12 }, (_, i) => w[(n * 3 + i * 5) % w.length]!);
  return lang === 'zh' ? words.join('') + '。' : words.join(' ') + '.';
}

/**
 * A label set (taxonomy with pool_labels, a few seed examples at the top level, an empty web/) and a pool of
 * `perCell` documents per topic x language plus the hostile one, under `dir`. Returns their paths.
 */
export function writeWorkbenchFixture(dir: string, perCell = 12): { labels: string; pool: string; topicOf: Map<string, string> } {
  const labels = join(dir, 'labels');
  mkdirSync(join(labels, 'web'), { recursive: true });
  writeFileSync(join(labels, 'taxonomy.yaml'), TAXONOMY);
  const seed: string[] = [];
  for (const topic of TOPICS) for (const lang of ['en', 'zh'] as const) seed.push(JSON.stringify({ text: text(topic, lang, 99), label: topic, lang }));
  writeFileSync(join(labels, 'examples.jsonl'), seed.join('\n') + '\n');
  const topicOf = new Map<string, string>();
  const lines: string[] = [];
  for (let n = 0; n < perCell; n++) {
    for (const topic of TOPICS) {
      for (const lang of ['en', 'zh'] as const) {
        const id = `${lang}-${topic}-${n}`;
        topicOf.set(id, topic);
        lines.push(JSON.stringify({ id, text: `${text(topic, lang, n)} (${id})`, lang, ...(n % 2 === 0 && { url: `https://example.com/${id}` }) }));
      }
    }
  }
  topicOf.set(HOSTILE_ID, 'sports');
  lines.push(JSON.stringify({ id: HOSTILE_ID, text: HOSTILE_TEXT, lang: 'en', url: 'javascript:alert(1)' }));
  const pool = join(dir, 'pool.jsonl');
  writeFileSync(pool, lines.join('\n') + '\n');
  return { labels, pool, topicOf };
}
