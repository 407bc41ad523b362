package dev.jaio.cli.sweep;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The paper's figures with JFreeChart: throughput (MB/s) against request size (KB, log2 axis), one
 * line per configuration; jaio's lines solid with filled markers, fio's dashed with hollow ones.
 * Rendered headless to PNG (ImageIO). There is no SVG: JFreeChart writes SVG through JFreeSVG,
 * whose GPLv3 a jaio under the Apache License cannot take on.
 */
public final class SweepCharts {

    /** Image width, pixels. */
    static final int WIDTH = 900;
    /** Image height, pixels. */
    static final int HEIGHT = 600;

    private static final Color[] COLORS = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf), new Color(0x7f7f7f), new Color(0xbcbd22),
    };

    private SweepCharts() {
    }

    /** The chart of one figure. */
    public static JFreeChart chart(Figure figure, List<SweepConfig> configs, List<SweepPoint> points) {
        XYSeriesCollection data = new XYSeriesCollection();
        List<SweepConfig> shown = new ArrayList<>();
        for (SweepConfig c : configs) {
            XYSeries s = new XYSeries(c.name(), true, false);
            points.stream().filter(p -> p.figure() == figure && p.config().equals(c))
                    .mapToLong(SweepPoint::recordSize).distinct().forEach(rec -> {
                        double mib = SweepReport.median(points, figure, c, rec);
                        if (!Double.isNaN(mib)) {
                            s.add(rec / 1024.0, mib);
                        }
                    });
            if (!s.isEmpty()) {
                data.addSeries(s);
                shown.add(c);
            }
        }
        LogAxis x = new LogAxis("Request size (KB)");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        x.setSmallestValue(1);
        double min = points.stream().mapToLong(SweepPoint::recordSize).min().orElse(4096) / 1024.0;
        double max = points.stream().mapToLong(SweepPoint::recordSize).max().orElse(65536) / 1024.0;
        x.setRange(min / 1.25, max * 1.25);
        NumberAxis y = new NumberAxis("Throughput (MB/s)");
        y.setAutoRangeIncludesZero(true);

        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        int jaioIndex = 0;
        int fioIndex = 0;
        for (int i = 0; i < shown.size(); i++) {
            SweepConfig c = shown.get(i);
            boolean fio = c.isFio();
            int k = fio ? fioIndex++ : jaioIndex++;
            Color color = COLORS[(fio ? 6 + k : k) % COLORS.length];
            r.setSeriesPaint(i, color);
            Shape shape = shape(k, c.direct());
            r.setSeriesShape(i, shape);
            if (fio) {
                r.setSeriesStroke(i, new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                        new float[] {7f, 5f}, 0f));
                r.setSeriesShapesFilled(i, false);
            } else {
                r.setSeriesStroke(i, new BasicStroke(c.direct() ? 2.2f : 1.6f));
                r.setSeriesShapesFilled(i, true);
            }
        }
        r.setUseOutlinePaint(false);
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        JFreeChart chart = new JFreeChart(figure.title(), new Font(Font.SANS_SERIF, Font.BOLD, 18), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(new TextTitle("random requests, depth 64; solid: jaio (aio-stress), dashed: fio",
                new Font(Font.SANS_SERIF, Font.PLAIN, 12)));
        return chart;
    }

    private static Shape shape(int k, boolean direct) {
        double s = direct ? 8 : 7;
        double h = s / 2;
        return switch (k % 3) {
            case 0 -> new Rectangle2D.Double(-h, -h, s, s);
            case 1 -> new Ellipse2D.Double(-h, -h, s, s);
            default -> {
                Path2D.Double t = new Path2D.Double();
                t.moveTo(0, -h - 1);
                t.lineTo(h + 1, h);
                t.lineTo(-h - 1, h);
                t.closePath();
                yield t;
            }
        };
    }

    /** Writes {@code <figure>.png} into {@code dir}. */
    public static List<Path> write(Figure figure, List<SweepConfig> configs, List<SweepPoint> points, Path dir)
            throws IOException {
        JFreeChart chart = chart(figure, configs, points);
        Path png = dir.resolve(figure.id() + ".png");
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
        return List.of(png);
    }
}
