// The SNS dashboard's charts, from the figures the page carries as JSON (#sns-data).
(function () {
  var d = JSON.parse(document.getElementById("sns-data").textContent);
  var colors = ["#2563eb", "#db2777", "#16a34a", "#f59e0b"];
  Chart.defaults.font.size = 16;
  Chart.defaults.font.family = "'Noto Sans CJK KR','Noto Sans KR','Malgun Gothic',sans-serif";
  var labels = d.followers.length ? d.followers[0].dates : [];
  new Chart(document.getElementById("followers-chart"), {type: "line", data: {labels: labels,
    datasets: d.followers.map(function (f, i) { return {label: f.label, data: f.values, borderColor: colors[i % 4], backgroundColor: colors[i % 4], pointRadius: 0, spanGaps: true}; })},
    options: {animation: false, scales: {x: {ticks: {maxTicksLimit: 8}}}}});
  new Chart(document.getElementById("reach-chart"), {type: "bar", data: {labels: d.post_labels,
    datasets: [{label: "도달", data: d.post_reach, backgroundColor: "#2563eb"}]}, options: {animation: false}});
  new Chart(document.getElementById("hours-chart"), {type: "bar", data: {labels: d.hours,
    datasets: [{label: "평균 참여", data: d.hour_engagement, backgroundColor: "#16a34a"}]}, options: {animation: false}});
})();
