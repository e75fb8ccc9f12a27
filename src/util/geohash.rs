//! Geohashes as Redis uses them for GEO commands: 26 steps of longitude and
//! latitude interleaved into a 52-bit integer, stored as a sorted-set score.
//! Latitude spans ±85.05112878 (the Web Mercator limits), so a point's score
//! and the boxes searched around it are exactly Redis's: same scores in RDB
//! files, same members found in the same order.

use std::f64::consts::PI;

pub const LONG_MIN: f64 = -180.0;
pub const LONG_MAX: f64 = 180.0;
pub const LAT_MIN: f64 = -85.051_128_78;
pub const LAT_MAX: f64 = 85.051_128_78;
/// Bits per coordinate in a stored score.
pub const STEP_MAX: u8 = 26;
/// Redis's EARTH_RADIUS_IN_METERS (quadratic mean radius, WGS-84).
const EARTH_RADIUS: f64 = 6_372_797.560_856;
/// Redis's MERCATOR_MAX, the scale for the step estimate.
const MERCATOR_MAX: f64 = 20_037_726.37;

/// A geohash of `step` bits per coordinate. `step == 0 && bits == 0` marks
/// a neighbour dropped from a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Hash {
    pub bits: u64,
    pub step: u8,
}

impl Hash {
    pub fn is_zero(self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The score range `[min, max)` of every 52-bit hash inside this box.
    pub fn score_range(self) -> (f64, f64) {
        let shift = 52 - 2 * self.step as u32;
        (
            (self.bits << shift) as f64,
            ((self.bits + 1) << shift) as f64,
        )
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Area {
    pub lon: (f64, f64),
    pub lat: (f64, f64),
}

/// Spreads the low 32 bits of `v` over the even bit positions.
fn spread(v: u32) -> u64 {
    let mut x = v as u64;
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bit positions of `v` into 32 bits.
fn squash(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
    x as u32
}

/// Encodes a point within the given ranges (latitude bits in the even
/// positions, longitude in the odd ones). None outside the ranges.
pub fn encode_in(
    lon: f64,
    lat: f64,
    lon_r: (f64, f64),
    lat_r: (f64, f64),
    step: u8,
) -> Option<Hash> {
    // The GEO limits hold whatever ranges are asked for (as in Redis).
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_r.0 || lat > lat_r.1 || lon < lon_r.0 || lon > lon_r.1 || step == 0 || step > 32 {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_off = (lat - lat_r.0) / (lat_r.1 - lat_r.0) * scale;
    let lon_off = (lon - lon_r.0) / (lon_r.1 - lon_r.0) * scale;
    Some(Hash {
        bits: spread(lat_off as u32) | (spread(lon_off as u32) << 1),
        step,
    })
}

/// Encodes with the GEO ranges.
pub fn encode(lon: f64, lat: f64, step: u8) -> Option<Hash> {
    encode_in(lon, lat, (LONG_MIN, LONG_MAX), (LAT_MIN, LAT_MAX), step)
}

/// The box a hash stands for.
pub fn decode(h: Hash) -> Area {
    let lat_i = squash(h.bits) as f64;
    let lon_i = squash(h.bits >> 1) as f64;
    let scale = (1u64 << h.step) as f64;
    let (lat_span, lon_span) = (LAT_MAX - LAT_MIN, LONG_MAX - LONG_MIN);
    Area {
        lat: (
            LAT_MIN + (lat_i / scale) * lat_span,
            LAT_MIN + ((lat_i + 1.0) / scale) * lat_span,
        ),
        lon: (
            LONG_MIN + (lon_i / scale) * lon_span,
            LONG_MIN + ((lon_i + 1.0) / scale) * lon_span,
        ),
    }
}

/// The point a stored score stands for: the centre of its 26-step box,
/// kept within the valid ranges.
pub fn score_to_point(score: f64) -> [f64; 2] {
    let a = decode(Hash {
        bits: score as u64,
        step: STEP_MAX,
    });
    [
        ((a.lon.0 + a.lon.1) / 2.0).clamp(LONG_MIN, LONG_MAX),
        ((a.lat.0 + a.lat.1) / 2.0).clamp(LAT_MIN, LAT_MAX),
    ]
}

/// The stored score of a point (valid coordinates).
pub fn point_to_score(lon: f64, lat: f64) -> Option<f64> {
    encode(lon, lat, STEP_MAX).map(|h| (h.bits << (52 - 2 * STEP_MAX as u32)) as f64)
}

/// The 11-character standard geohash of a stored score (re-encoded over
/// ±90 latitude, as GEOHASH replies).
pub fn score_to_geohash_string(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let [lon, lat] = score_to_point(score);
    let bits = encode_in(lon, lat, (-180.0, 180.0), (-90.0, 90.0), STEP_MAX).map_or(0, |h| h.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        *c = ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize];
    }
    out
}

/// Moves a hash one box along one coordinate: `lane` selects that
/// coordinate's bits (odd positions: longitude, even: latitude); the carry
/// runs through the other lane's bits, which are set to ones first.
fn shift(h: Hash, d: i8, lane: u64) -> Hash {
    let width = 64 - h.step as u32 * 2;
    let other = !lane;
    let (v, keep) = (h.bits & lane, h.bits & other);
    let zz = other.checked_shr(width).unwrap_or(0);
    let v = if d > 0 {
        v.wrapping_add(zz + 1)
    } else {
        (v | zz).wrapping_sub(zz + 1)
    };
    Hash {
        bits: (v & lane.checked_shr(width).unwrap_or(0)) | keep,
        step: h.step,
    }
}

fn move_x(h: Hash, d: i8) -> Hash {
    shift(h, d, 0xaaaa_aaaa_aaaa_aaaa)
}

fn move_y(h: Hash, d: i8) -> Hash {
    shift(h, d, 0x5555_5555_5555_5555)
}

/// The eight neighbours of a box.
#[derive(Clone, Copy, Debug, Default)]
pub struct Neighbors {
    pub north: Hash,
    pub south: Hash,
    pub east: Hash,
    pub west: Hash,
    pub north_east: Hash,
    pub north_west: Hash,
    pub south_east: Hash,
    pub south_west: Hash,
}

pub fn neighbors(h: Hash) -> Neighbors {
    Neighbors {
        east: move_x(h, 1),
        west: move_x(h, -1),
        south: move_y(h, -1),
        north: move_y(h, 1),
        north_west: move_y(move_x(h, -1), 1),
        north_east: move_y(move_x(h, 1), 1),
        south_east: move_y(move_x(h, 1), -1),
        south_west: move_y(move_x(h, -1), -1),
    }
}

fn deg_rad(d: f64) -> f64 {
    d * (PI / 180.0)
}

fn rad_deg(r: f64) -> f64 {
    r / (PI / 180.0)
}

/// Distance along a meridian.
fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Great-circle (haversine) distance in meters.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let v = ((deg_rad(lon2) - deg_rad(lon1)) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let (lat1r, lat2r) = (deg_rad(lat1), deg_rad(lat2));
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS * a.sqrt().asin()
}

/// A search area: a circle or an axis-aligned box around a point, sizes in
/// the request's unit (`conversion` meters per unit).
#[derive(Clone, Copy, Debug)]
pub enum ShapeKind {
    Radius(f64),
    Box { width: f64, height: f64 },
}

#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub center: [f64; 2],
    pub kind: ShapeKind,
    pub conversion: f64,
}

impl Shape {
    /// The distance from the centre when the point lies inside.
    pub fn contains(&self, p: [f64; 2]) -> Option<f64> {
        let [x1, y1] = self.center;
        let [x2, y2] = p;
        match self.kind {
            ShapeKind::Radius(r) => {
                let d = distance(x1, y1, x2, y2);
                (d <= r * self.conversion).then_some(d)
            }
            ShapeKind::Box { width, height } => {
                let (w, h) = (width * self.conversion, height * self.conversion);
                if lat_distance(y2, y1) > h / 2.0 || distance(x2, y2, x1, y2) > w / 2.0 {
                    return None;
                }
                Some(distance(x1, y1, x2, y2))
            }
        }
    }

    /// (min lon, min lat, max lon, max lat) around the centre.
    fn bounds(&self) -> [f64; 4] {
        let [lon, lat] = self.center;
        let (half_h, half_w) = match self.kind {
            ShapeKind::Radius(r) => (r, r),
            ShapeKind::Box { width, height } => (height / 2.0, width / 2.0),
        };
        let (h, w) = (half_h * self.conversion, half_w * self.conversion);
        let lat_delta = rad_deg(h / EARTH_RADIUS);
        let lon_top = rad_deg(w / EARTH_RADIUS / deg_rad(lat + lat_delta).cos());
        let lon_bottom = rad_deg(w / EARTH_RADIUS / deg_rad(lat - lat_delta).cos());
        let d = if lat < 0.0 { lon_bottom } else { lon_top };
        [lon - d, lat - lat_delta, lon + d, lat + lat_delta]
    }

    fn radius_meters(&self) -> f64 {
        let r = match self.kind {
            ShapeKind::Radius(r) => r,
            ShapeKind::Box { width, height } => {
                ((width / 2.0).powi(2) + (height / 2.0).powi(2)).sqrt()
            }
        };
        r * self.conversion
    }
}

/// Redis's step estimate for a search radius at a latitude.
fn estimate_steps(mut range: f64, lat: f64) -> u8 {
    if range == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// The boxes to scan for a search, in Redis's order: the centre box, then
/// north, south, east, west, north-east, north-west, south-east,
/// south-west; dropped neighbours are zero hashes.
pub fn search_boxes(shape: &Shape) -> [Hash; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = shape.bounds();
    let [lon, lat] = shape.center;
    let mut steps = estimate_steps(shape.radius_meters(), lat);
    let mut hash = encode(lon, lat, steps).unwrap_or_default();
    let mut n = neighbors(hash);
    let mut area = decode(hash);
    let too_coarse = decode(n.north).lat.1 < max_lat
        || decode(n.south).lat.0 > min_lat
        || decode(n.east).lon.1 < max_lon
        || decode(n.west).lon.0 > min_lon;
    if steps > 1 && too_coarse {
        steps -= 1;
        hash = encode(lon, lat, steps).unwrap_or_default();
        n = neighbors(hash);
        area = decode(hash);
    }
    if steps >= 2 {
        let zero = Hash::default();
        if area.lat.0 < min_lat {
            (n.south, n.south_west, n.south_east) = (zero, zero, zero);
        }
        if area.lat.1 > max_lat {
            (n.north, n.north_east, n.north_west) = (zero, zero, zero);
        }
        if area.lon.0 < min_lon {
            (n.west, n.south_west, n.north_west) = (zero, zero, zero);
        }
        if area.lon.1 > max_lon {
            (n.east, n.south_east, n.north_east) = (zero, zero, zero);
        }
    }
    [
        hash,
        n.north,
        n.south,
        n.east,
        n.west,
        n.north_east,
        n.north_west,
        n.south_east,
        n.south_west,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_round_trips() {
        for v in [0u32, 1, 0xdead_beef, u32::MAX] {
            assert_eq!(squash(spread(v)), v);
            assert_eq!(squash(spread(v) << 1 >> 1), v);
        }
    }

    #[test]
    fn scores_and_points_match_redis() {
        // GEOADD g 13.361389 38.115556 Palermo; GEOPOS/GEOHASH from Redis.
        let s = point_to_score(13.361389, 38.115556).unwrap();
        assert_eq!(s, 3479099956230698.0);
        let [lon, lat] = score_to_point(s);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        assert_eq!(&score_to_geohash_string(s), b"sqc8b49rny0");
        assert!(point_to_score(200.0, 10.0).is_none());
        assert!(point_to_score(10.0, 86.0).is_none());
    }

    #[test]
    fn distances() {
        let p = score_to_point(point_to_score(13.361389, 38.115556).unwrap());
        let c = score_to_point(point_to_score(15.087269, 37.502669).unwrap());
        assert_eq!(
            format!("{:.4}", distance(p[0], p[1], c[0], c[1]) / 1000.0),
            "166.2742"
        );
    }
}
