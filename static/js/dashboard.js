/* 计划进展: draws each indicator's 逐月累计 with Apache ECharts (static/vendor/echarts) from the
   numbers the page carries in <script type="application/json" id="progress-json"> — the same
   numbers as the table under the charts, which stays the accessible and printable form. Progressive
   enhancement only: without this script the table is all there is, and nothing is missing. */
(function () {
  "use strict";

  var charts = [];

  function paceOf(series, at) {
    return series.pace ? series.pace[at] : null;
  }

  function optionFor(series, data, font) {
    var lines = [
      {
        name: "累计完成",
        type: "line",
        step: "end",
        data: series.cumulative,
        symbolSize: 7,
        showSymbol: data.months.length <= 24,
        lineStyle: { width: 3, color: "#1d4ed8" },
        itemStyle: { color: "#1d4ed8" },
        areaStyle: { color: "rgba(29, 78, 216, 0.08)" },
        label: { show: false },
        endLabel: {
          show: true,
          fontSize: 14,
          fontWeight: "bold",
          formatter: function (p) { return "已完成 " + p.value; }
        }
      }
    ];
    if (series.pace) {
      lines.push({
        name: "目标进度",
        type: "line",
        data: series.pace,
        symbol: "none",
        lineStyle: { width: 2, type: "dashed", color: "#555" },
        itemStyle: { color: "#555" },
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: { type: "dotted", color: "#b45309", width: 1.5 },
          label: { formatter: "目标 " + series.target, position: "insideEndTop", fontSize: 13, color: "#b45309" },
          data: [{ yAxis: series.target }]
        }
      });
    }
    return {
      animation: false,
      textStyle: { fontFamily: font, fontSize: 13 },
      grid: { left: 48, right: 96, top: 40, bottom: 36 },
      legend: { top: 4, left: 40, textStyle: { fontSize: 13 } },
      tooltip: {
        trigger: "axis",
        textStyle: { fontSize: 14 },
        formatter: function (items) {
          var at = items[0].dataIndex;
          var done = series.cumulative[at];
          var text = data.longMonths[at] + "<br>累计完成：" + (done === null ? "—" : done + " 项");
          var pace = paceOf(series, at);
          if (pace !== null) {
            text += "<br>目标进度：" + pace + " 项（目标 " + series.target + " 项）";
          }
          return text;
        }
      },
      toolbox: {
        right: 0,
        top: 0,
        feature: { saveAsImage: { title: "保存为图片", name: series.name, pixelRatio: 2 } }
      },
      xAxis: {
        type: "category",
        data: data.months,
        boundaryGap: false,
        axisLabel: { fontSize: 13, hideOverlap: true }
      },
      yAxis: {
        type: "value",
        minInterval: 1,
        max: function (v) { return Math.max(v.max, series.target || 0, 1); },
        axisLabel: { fontSize: 13 }
      },
      series: lines
    };
  }

  function resizeAll() {
    for (var i = 0; i < charts.length; i++) {
      charts[i].resize();
    }
  }

  function draw() {
    var source = document.getElementById("progress-json");
    if (!source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var font = window.getComputedStyle(document.body).fontFamily;
    var boxes = document.querySelectorAll(".echart[data-indicator]");
    document.documentElement.classList.add("has-charts");
    for (var i = 0; i < boxes.length; i++) {
      var code = boxes[i].getAttribute("data-indicator");
      for (var j = 0; j < data.series.length; j++) {
        if (data.series[j].code === code) {
          var chart = window.echarts.init(boxes[i], null, { renderer: "svg" });
          chart.setOption(optionFor(data.series[j], data, font));
          charts.push(chart);
        }
      }
    }
    window.addEventListener("resize", resizeAll);
    // Printing lays the page out at the paper's width: redraw for it, and back for the screen.
    var print = window.matchMedia("print");
    var onPrint = function () {
      for (var k = 0; k < charts.length; k++) {
        charts[k].setOption({ toolbox: { show: !print.matches } });
      }
      resizeAll();
    };
    if (print.addEventListener) {
      print.addEventListener("change", onPrint);
    } else if (print.addListener) {
      print.addListener(onPrint);
    }
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
