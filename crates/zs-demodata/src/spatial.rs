//! Spatial-geographic base library (空间地理): the districts and counties of Xining as polygons
//! and points of interest (schools, hospitals, government service halls) inside them.
//!
//! The polygons are **simplified, approximate** outlines (7–9 vertices each, WGS 84 longitude and
//! latitude around 101.0–102.0°E, 36.3–37.2°N), placed where the districts lie relative to each
//! other: the four urban districts in the middle, 湟中区 to the south and west, 大通县 to the north,
//! 湟源县 to the west. Each is a simple (non-self-intersecting) ring in counter-clockwise order;
//! neighbours share edges and never overlap. They are good enough for maps and spatial joins in
//! the demo, not for surveying.

use serde::Serialize;

use crate::rng::Rng;
use crate::{district_name, STREETS};

/// Mean Earth radius (m) used for areas: a spherical approximation.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Outlines as (lon, lat) vertices, not closed (the first vertex is not repeated).
const OUTLINES: &[(&str, &[(f64, f64)])] = &[
    ("630102", &[(101.78, 36.52), (101.88, 36.54), (101.90, 36.63), (101.85, 36.66), (101.78, 36.66), (101.78, 36.60)]),
    ("630103", &[(101.68, 36.52), (101.78, 36.52), (101.78, 36.60), (101.74, 36.61), (101.68, 36.60)]),
    ("630104", &[(101.68, 36.60), (101.74, 36.61), (101.78, 36.60), (101.78, 36.66), (101.68, 36.66)]),
    ("630105", &[(101.68, 36.66), (101.78, 36.66), (101.85, 36.66), (101.84, 36.74), (101.70, 36.75)]),
    (
        "630106",
        &[
            (101.35, 36.30),
            (101.95, 36.28),
            (102.00, 36.45),
            (101.88, 36.54),
            (101.78, 36.52),
            (101.68, 36.52),
            (101.60, 36.62),
            (101.50, 36.70),
            (101.38, 36.62),
        ],
    ),
    (
        "630121",
        &[
            (101.50, 36.80),
            (101.70, 36.75),
            (101.84, 36.74),
            (101.95, 36.85),
            (101.90, 37.10),
            (101.60, 37.15),
            (101.40, 37.00),
        ],
    ),
    (
        "630123",
        &[
            (101.05, 36.55),
            (101.38, 36.62),
            (101.50, 36.70),
            (101.50, 36.80),
            (101.40, 36.90),
            (101.10, 36.85),
            (100.95, 36.70),
        ],
    ),
];

/// Postal codes (邮政编码) of the districts.
const POSTAL: &[(&str, &str)] = &[
    ("630102", "810007"),
    ("630103", "810000"),
    ("630104", "810001"),
    ("630105", "810003"),
    ("630106", "811600"),
    ("630121", "810100"),
    ("630123", "812100"),
];

/// Points of interest per district (about 500 in all).
const POI_COUNTS: &[(&str, usize)] =
    &[("630102", 70), ("630103", 80), ("630104", 80), ("630105", 70), ("630106", 90), ("630121", 60), ("630123", 50)];

/// A district or county with its outline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct District {
    /// 要素编号, `DIV` + the division code.
    pub feature_id: String,
    /// 要素名称.
    pub name: &'static str,
    /// 行政区划代码 (GB/T 2260).
    pub code: &'static str,
    /// The outer ring, counter-clockwise, closed (last vertex = first), (lon, lat) in degrees.
    pub ring: Vec<(f64, f64)>,
    /// 面积（平方米）, computed from the ring on a sphere of [`EARTH_RADIUS_M`].
    pub area_m2: f64,
}

impl District {
    /// 空间范围 as GeoJSON geometry text (`Polygon`).
    pub fn geojson(&self) -> String {
        let coords: Vec<String> = self.ring.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
        format!(r#"{{"type":"Polygon","coordinates":[[{}]]}}"#, coords.join(","))
    }
}

/// The kind of a point of interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PoiKind {
    /// 学校.
    School,
    /// 医院 / 卫生服务中心.
    Hospital,
    /// 政务服务中心 / 便民服务站.
    ServiceHall,
}

/// A point of interest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Poi {
    /// 要素编号, `POI` + division code + 4-digit sequence.
    pub feature_id: String,
    /// 要素名称.
    pub name: String,
    /// What it is.
    pub kind: PoiKind,
    /// 行政区划代码 of the district it lies in.
    pub district: &'static str,
    /// Longitude (degrees, 6 decimals).
    pub lon: f64,
    /// Latitude (degrees, 6 decimals).
    pub lat: f64,
    /// 门牌号.
    pub house_number: String,
    /// 邮政编码.
    pub postal_code: &'static str,
}

impl Poi {
    /// 空间范围 as GeoJSON geometry text (`Point`).
    pub fn geojson(&self) -> String {
        format!(r#"{{"type":"Point","coordinates":[{},{}]}}"#, self.lon, self.lat)
    }
}

/// The seven districts and counties of Xining with their outlines and areas.
pub fn districts() -> Vec<District> {
    OUTLINES
        .iter()
        .map(|(code, outline)| {
            let mut ring: Vec<(f64, f64)> = outline.to_vec();
            if signed_area_deg(&ring) < 0.0 {
                ring.reverse();
            }
            if let Some(first) = ring.first().copied() {
                ring.push(first);
            }
            let area_m2 = ring_area_m2(&ring);
            District { feature_id: format!("DIV{code}"), name: district_name(code), code, ring, area_m2 }
        })
        .collect()
}

/// About 500 points of interest, each strictly inside its district's polygon (tested after
/// rounding the coordinates to 6 decimals).
pub fn points_of_interest(seed: u64) -> Vec<Poi> {
    let mut rng = Rng::new(seed ^ 0x9e0);
    let mut out = Vec::new();
    for d in districts() {
        let count = POI_COUNTS.iter().find(|c| c.0 == d.code).map_or(0, |c| c.1);
        let postal = POSTAL.iter().find(|p| p.0 == d.code).map_or("810000", |p| p.1);
        let (min_x, max_x, min_y, max_y) = bbox(&d.ring);
        let short = d.name.trim_end_matches("回族土族自治县");
        let (mut schools, mut clinics, mut stations) = (0, 0, 0);
        for k in 0..count {
            let (lon, lat) = loop {
                let x = round6(min_x + (max_x - min_x) * unit(&mut rng));
                let y = round6(min_y + (max_y - min_y) * unit(&mut rng));
                if contains(&d.ring, (x, y)) {
                    break (x, y);
                }
            };
            let street = *rng.pick(STREETS);
            let (kind, name) = match (k, rng.below(10)) {
                (0, _) => (PoiKind::ServiceHall, format!("{}政务服务中心", d.name)),
                (1, _) => (PoiKind::Hospital, format!("{}人民医院", d.name)),
                (_, 0..=4) => {
                    schools += 1;
                    let level = ["小学", "中学", "幼儿园"][schools % 3];
                    (PoiKind::School, format!("西宁市{short}第{}{level}", schools / 3 + 1))
                }
                (_, 5..=7) => {
                    clinics += 1;
                    (PoiKind::Hospital, format!("{short}{street}第{clinics}社区卫生服务中心"))
                }
                _ => {
                    stations += 1;
                    (PoiKind::ServiceHall, format!("{short}{street}第{stations}便民服务站"))
                }
            };
            out.push(Poi {
                feature_id: format!("POI{}{:04}", d.code, k + 1),
                name,
                kind,
                district: d.code,
                lon,
                lat,
                house_number: format!("{street}{}号", 1 + rng.below(400)),
                postal_code: postal,
            });
        }
    }
    out
}

fn unit(rng: &mut Rng) -> f64 {
    (rng.below(1 << 30) as f64) / f64::from(1u32 << 30)
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn bbox(ring: &[(f64, f64)]) -> (f64, f64, f64, f64) {
    ring.iter().fold((f64::MAX, f64::MIN, f64::MAX, f64::MIN), |(a, b, c, d), &(x, y)| {
        (a.min(x), b.max(x), c.min(y), d.max(y))
    })
}

/// Twice the planar signed area in square degrees: positive for counter-clockwise rings.
fn signed_area_deg(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (x1, y1) = ring[i];
            let (x2, y2) = ring[(i + 1) % n];
            x1 * y2 - x2 * y1
        })
        .sum()
}

/// Area in m² of a closed ring of (lon, lat) degrees on a sphere of [`EARTH_RADIUS_M`]: the
/// formula of Chamberlain and Duquette (2007) that common GIS tools use (exact for edges along
/// meridians and parallels, well within a per mille for district-sized rings).
pub fn ring_area_m2(ring: &[(f64, f64)]) -> f64 {
    if ring.len() < 4 {
        return 0.0;
    }
    let mut total = 0.0;
    for w in ring.windows(2) {
        let (l1, p1) = (w[0].0.to_radians(), w[0].1.to_radians());
        let (l2, p2) = (w[1].0.to_radians(), w[1].1.to_radians());
        total += (l2 - l1) * (2.0 + p1.sin() + p2.sin());
    }
    (total * EARTH_RADIUS_M * EARTH_RADIUS_M / 2.0).abs()
}

/// Whether `p` lies strictly inside the closed ring (points on an edge count as outside).
pub fn contains(ring: &[(f64, f64)], p: (f64, f64)) -> bool {
    let (x, y) = p;
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x1, y1), (x2, y2)) = (w[0], w[1]);
        // On the edge: outside.
        let cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
        if cross.abs() < 1e-12 && x >= x1.min(x2) && x <= x1.max(x2) && y >= y1.min(y2) && y <= y1.max(y2) {
            return false;
        }
        if (y1 > y) != (y2 > y) && x < x1 + (y - y1) * (x2 - x1) / (y2 - y1) {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments_cross(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> bool {
        let orient =
            |p: (f64, f64), q: (f64, f64), r: (f64, f64)| (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0);
        let (o1, o2, o3, o4) = (orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b));
        o1 * o2 < 0.0 && o3 * o4 < 0.0
    }

    #[test]
    fn districts_are_simple_ccw_disjoint_rings_with_plausible_areas() {
        let ds = districts();
        assert_eq!(ds.len(), 7);
        for d in &ds {
            assert_eq!(d.ring.first(), d.ring.last(), "closed");
            assert!(signed_area_deg(&d.ring) > 0.0, "counter-clockwise");
            let n = d.ring.len() - 1;
            for i in 0..n {
                for j in i + 2..n {
                    if i == 0 && j == n - 1 {
                        continue;
                    }
                    assert!(
                        !segments_cross(d.ring[i], d.ring[i + 1], d.ring[j], d.ring[j + 1]),
                        "{} crosses itself",
                        d.name
                    );
                }
            }
            let v: serde_json::Value = serde_json::from_str(&d.geojson()).unwrap_or_default();
            assert_eq!(v["type"], "Polygon");
            assert!((10e6..6000e6).contains(&d.area_m2), "{} area {}", d.name, d.area_m2);
        }
        // No point of a fine grid is inside two districts.
        let mut x = 100.9013;
        while x < 102.05 {
            let mut y = 36.2517;
            while y < 37.2 {
                let n = ds.iter().filter(|d| contains(&d.ring, (x, y))).count();
                assert!(n <= 1, "({x}, {y}) lies in {n} districts");
                y += 0.0071;
            }
            x += 0.0073;
        }
    }

    #[test]
    fn spherical_area_of_a_degree_cell() {
        let cell = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
        let expected = EARTH_RADIUS_M * EARTH_RADIUS_M * 1f64.to_radians() * 1f64.to_radians().sin();
        assert!((ring_area_m2(&cell) - expected).abs() / expected < 1e-9);
        // About 12 364 km².
        assert!((ring_area_m2(&cell) / 1e6 - 12_364.0).abs() < 5.0);
    }

    #[test]
    fn points_of_interest_lie_inside_their_district() {
        let ds = districts();
        let pois = points_of_interest(11);
        assert!((450..=550).contains(&pois.len()));
        assert_eq!(pois, points_of_interest(11), "deterministic");
        let mut ids = std::collections::HashSet::new();
        for p in &pois {
            assert!(ids.insert(p.feature_id.clone()));
            let v: serde_json::Value = serde_json::from_str(&p.geojson()).unwrap_or_default();
            let pt = (v["coordinates"][0].as_f64().unwrap_or(0.0), v["coordinates"][1].as_f64().unwrap_or(0.0));
            let own = ds.iter().find(|d| d.code == p.district).map(|d| contains(&d.ring, pt));
            assert_eq!(own, Some(true), "{} at {pt:?} lies outside {}", p.name, p.district);
            assert_eq!(ds.iter().filter(|d| contains(&d.ring, pt)).count(), 1);
        }
        for kind in [PoiKind::School, PoiKind::Hospital, PoiKind::ServiceHall] {
            assert!(pois.iter().filter(|p| p.kind == kind).count() >= 50, "{kind:?}");
        }
    }
}
