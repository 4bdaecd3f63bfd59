import { writeFileSync } from 'node:fs';

export { tempDir } from './temp-dir.js';

/** A small made-up bilingual labelled set (3 topics x zh + en), for fast training in tests. */
export const TINY_EXAMPLES: { text: string; label: string }[] = [];
const topics: Record<string, { zh: string[]; en: string[] }> = {
  sports: {
    zh: ['足球比赛', '篮球联赛', '球队夺冠', '运动员训练', '奥运会金牌', '世界杯决赛', '网球公开赛', '马拉松比赛'],
    en: ['football match', 'basketball league', 'team wins the title', 'athletes training', 'olympic gold medal', 'world cup final', 'tennis open', 'marathon race'],
  },
  finance: {
    zh: ['股市上涨', '央行降息', '银行贷款', '公司财报', '投资基金', '房价调控', '通货膨胀', '债券收益率'],
    en: ['stock market rally', 'central bank cuts rates', 'bank loans', 'quarterly earnings report', 'investment fund', 'housing prices policy', 'inflation rises', 'bond yields'],
  },
  tech: {
    zh: ['手机芯片', '人工智能模型', '软件更新', '电脑处理器', '互联网公司', '机器人技术', '云计算服务', '操作系统漏洞'],
    en: ['smartphone chip', 'artificial intelligence model', 'software update', 'computer processor', 'internet company', 'robot technology', 'cloud computing service', 'operating system bug'],
  },
};
for (const [label, { zh, en }] of Object.entries(topics)) {
  for (let i = 0; i < zh.length; i++) {
    TINY_EXAMPLES.push({ text: `${zh[i]}，${zh[(i + 3) % zh.length]}的最新消息`, label });
    TINY_EXAMPLES.push({ text: `News about the ${en[i]} and the ${en[(i + 3) % en.length]}`, label });
  }
}

/** The tiny set plus documents about two topics at once (labels: [a, b]). */
export function multiLabelRows(pairs = 24): { text: string; labels: string[] }[] {
  const rows: { text: string; labels: string[] }[] = TINY_EXAMPLES.map((e) => ({ text: e.text, labels: [e.label] }));
  const byLabel = (l: string) => TINY_EXAMPLES.filter((e) => e.label === l);
  const combos: [string, string][] = [
    ['sports', 'finance'],
    ['finance', 'tech'],
    ['sports', 'tech'],
  ];
  for (let i = 0; i < pairs; i++) {
    const [a, b] = combos[i % 3]!;
    const x = byLabel(a)[i % 16]!;
    const y = byLabel(b)[(i * 5 + 3) % 16]!;
    rows.push({ text: `${x.text} ${y.text}`, labels: [a, b] });
  }
  return rows;
}

export function writeJsonl(path: string, rows: object[]): string {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}
