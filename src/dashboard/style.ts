import { createHash } from 'node:crypto';

/** The dashboard's stylesheet, served from its own path (the CSP allows no inline style). Light by default, dark with the system. */
export const STYLESHEET = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--text:#111827;--muted:#4b5563;--line:#e5e7eb;--accent:#4f46e5;--danger:#b91c1c;--ok:#047857;--s0:#4f46e5;--s1:#0891b2;--s2:#059669;--s3:#d97706;--s4:#dc2626;--s5:#7c3aed}
@media (prefers-color-scheme:dark){:root{--bg:#0b1020;--card:#151b2e;--text:#e5e7eb;--muted:#9ca3af;--line:#2a3350;--accent:#818cf8;--danger:#f87171;--ok:#34d399;--s0:#818cf8;--s1:#22d3ee;--s2:#34d399;--s3:#fbbf24;--s4:#f87171;--s5:#a78bfa}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
.skip{position:absolute;left:-999px;top:8px;background:var(--card);padding:8px 12px;border-radius:8px}
.skip:focus{left:8px}
header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline;justify-content:space-between;padding:16px 20px;border-bottom:1px solid var(--line);background:var(--card)}
header h1{font-size:1.2rem;margin:0}
header nav a{margin-right:12px}
main{max-width:1200px;margin:0 auto;padding:16px}
.grid{display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr))}
section.wide{grid-column:1/-1}
main>section{margin-bottom:16px}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px;min-width:0}
section h2{font-size:1.05rem;margin:0 0 4px}
.lead{color:var(--muted);margin:0 0 12px;font-size:.9rem}
.periods{margin:0 0 12px;color:var(--muted)}
.kpis{display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));margin-bottom:16px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px 14px}
.kpi b{display:block;font-size:1.5rem;line-height:1.2}
.kpi span{color:var(--muted);font-size:.85rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;color:var(--muted);font-size:.85rem;padding-bottom:4px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.chart{width:100%;height:auto;display:block;margin:4px 0 12px}
.chart.timeline{max-width:760px}
.chart .label,.chart .value{fill:currentColor;font-size:13px}
.chart .label{opacity:.75}
.chart .axis{stroke:var(--line)}
.chart .bar.s0,.chart .bar.computer{fill:var(--s0)}.chart .bar.s1,.chart .bar.mobile{fill:var(--s1)}.chart .bar.s2,.chart .bar.tablet{fill:var(--s2)}.chart .bar.s3,.chart .bar.tv{fill:var(--s3)}.chart .bar.s4,.chart .bar.other{fill:var(--s4)}.chart .bar.s5{fill:var(--s5)}
.chart .bar.off{fill:var(--muted);opacity:.5}
.score{display:inline-block;min-width:2.5em;text-align:center;border-radius:999px;padding:0 8px;font-weight:600;background:var(--line)}
.score.high{background:var(--danger);color:#fff}.score.mid{background:#d97706;color:#fff}
.tag{display:inline-block;font-size:.8rem;border:1px solid var(--line);border-radius:999px;padding:0 8px;margin:0 4px 2px 0;white-space:nowrap}
.tag.suspended{border-color:var(--danger);color:var(--danger)}
form.inline{display:inline}
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
label{font-weight:600}
input[type=text]{font:inherit;padding:6px 10px;border:1px solid var(--line);border-radius:8px;background:var(--bg);color:inherit;min-width:min(100%,260px)}
button,.button{font:inherit;font-size:.9rem;cursor:pointer;border-radius:8px;border:1px solid var(--line);background:var(--card);color:inherit;padding:5px 12px;text-decoration:none;display:inline-block}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.danger{border-color:var(--danger);color:var(--danger)}
button.danger.primary{background:var(--danger);color:#fff}
button:hover,.button:hover{border-color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,.button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.notice{padding:10px 14px;border-radius:10px;margin:0 0 16px;border:1px solid var(--ok);color:var(--ok)}
.notice.error{border-color:var(--danger);color:var(--danger)}
.signals li{margin-bottom:6px}
.muted{color:var(--muted)}
details summary{cursor:pointer;color:var(--accent)}
@media (max-width:600px){main{padding:10px}section{padding:12px}th,td{padding:5px 6px}.hide-s{display:none}table.cards thead{display:none}table.cards tr{display:block;padding:8px 0;border-bottom:1px solid var(--line)}table.cards th,table.cards td{display:block;border:0;padding:2px 0}table.cards td[data-label]::before{content:attr(data-label) ": ";color:var(--muted)}}
`;

/** The stylesheet's URL part: changes whenever the CSS does, so it can be cached for a year. */
export const STYLESHEET_HASH = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);
