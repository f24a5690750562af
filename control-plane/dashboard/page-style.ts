// The page's style sheet.
export const pageStyle = `
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; background: #f4f5f7; color: #1d2430; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 16px; background: #1d2430; color: #fff; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; padding: 12px; }
section { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0002; overflow: auto; max-height: 60vh; }
section.wide { grid-column: 1 / -1; max-height: none; }
h2 { font-size: 14px; margin: 4px 0 8px; }
.small { font-size: 12px; font-weight: normal; margin-left: 12px; }
.conn { padding: 2px 8px; border-radius: 10px; font-size: 12px; }
.conn.up { background: #2e7d32; } .conn.down { background: #c62828; }
#members { display: flex; gap: 8px; flex-wrap: wrap; }
.member { background: #2c3646; border-radius: 4px; padding: 4px 8px; display: flex; gap: 6px; align-items: center; }
.member.leader { outline: 2px solid #ffca28; }
.member.down { opacity: .6; text-decoration: line-through; }
.columns { display: flex; gap: 10px; align-items: flex-start; overflow-x: auto; }
.node { min-width: 190px; flex: 0 0 auto; border-radius: 6px; background: #eef1f5; padding: 6px; border-top: 4px solid #9e9e9e; }
.node.Ready { border-top-color: #2e7d32; } .node.NotReady { border-top-color: #c62828; background: #fbeaea; }
.node.unscheduled { border-top-color: #607d8b; }
.node h3 { margin: 0 0 4px; font-size: 13px; display: flex; justify-content: space-between; gap: 6px; }
.node .meta { font-size: 11px; color: #555; margin-bottom: 4px; }
.pod { border-radius: 4px; padding: 3px 6px; margin: 3px 0; font-size: 12px; border-left: 4px solid #9e9e9e; background: #fff; }
.pod.ready { border-left-color: #2e7d32; } .pod.running { border-left-color: #f9a825; }
.pod.pending { border-left-color: #1565c0; } .pod.failed { border-left-color: #c62828; }
.pod.succeeded { border-left-color: #757575; } .pod.deleting { opacity: .55; text-decoration: line-through; }
.pod .phase { float: right; color: #555; }
button { font-size: 11px; padding: 1px 6px; cursor: pointer; }
button.kill { color: #b71c1c; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
.ep { display: inline-block; border-radius: 3px; padding: 0 4px; margin: 1px; font-family: monospace; }
.ep.ready { background: #c8e6c9; } .ep.notready { background: #ffe0b2; }
#events { list-style: none; margin: 0; padding: 0; font-size: 12px; }
#events li { padding: 2px 0; border-bottom: 1px solid #eee; }
#events .Warning { color: #b71c1c; }
tr.Killed td, tr.NodeNotReady td, tr.PodEvicted td { color: #b71c1c; }
tr.PodReady td, tr.NodeReady td { color: #2e7d32; }
body.login { display: flex; justify-content: center; padding-top: 10vh; }
body.login form { background: #fff; padding: 24px; border-radius: 6px; max-width: 420px; display: flex; flex-direction: column; gap: 8px; }
.error { color: #b71c1c; }
`;
