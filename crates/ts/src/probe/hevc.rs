//! The HEVC sequence parameter set (ITU-T H.265 §7.3.2.2 and Annex E): the
//! coded size less its conformance window, interlacing (the source flags of
//! the profile, or field pictures in the VUI), and the frame rate when the
//! VUI carries timing. Reaching the VUI means walking every field before it,
//! the short-term reference picture sets among them.

use super::bits::Bits;
use super::{Picture, Rate};

/// Most short-term reference picture sets an SPS may hold (§7.4.3.2.1).
const MAX_RPS: u32 = 64;

/// Reads an SPS NAL unit (`nal` starts at its two-byte NAL header).
pub(crate) fn sps(nal: &[u8]) -> Option<Picture> {
    if (nal.first()? >> 1) & 0x3F != 33 || nal.len() < 3 {
        return None;
    }
    let mut b = Bits::new(&nal[2..]);
    b.skip(4)?; // sps_video_parameter_set_id
    let sub_layers = b.bits(3)?; // sps_max_sub_layers_minus1
    b.skip(1)?; // sps_temporal_id_nesting_flag
    let ptl = profile_tier_level(&mut b, sub_layers)?;
    b.ue()?; // sps_seq_parameter_set_id
    let chroma_format = b.ue()?;
    if chroma_format == 3 {
        b.skip(1)?;
    }
    let width = u64::from(b.ue()?);
    let height = u64::from(b.ue()?);
    let (mut crop_x, mut crop_y) = (0u64, 0u64);
    if b.bit()? {
        let (left, right, top, bottom) = (b.ue()?, b.ue()?, b.ue()?, b.ue()?);
        crop_x = u64::from(left) + u64::from(right);
        crop_y = u64::from(top) + u64::from(bottom);
    }
    let (unit_x, unit_y) = match chroma_format {
        1 => (2, 2),
        2 => (2, 1),
        _ => (1, 1),
    };
    let bit_depth = b.ue()?.checked_add(8)?;
    b.ue()?; // chroma bit depth
    let poc_lsb_bits = b.ue()?.checked_add(4)?;
    if poc_lsb_bits > 16 {
        return None;
    }
    let ordering_all = b.bit()?;
    let first = if ordering_all { 0 } else { sub_layers };
    for _ in first..=sub_layers {
        b.ue()?;
        b.ue()?;
        b.ue()?;
    }
    for _ in 0..6 {
        b.ue()?; // coding and transform block sizes, hierarchy depths
    }
    if b.bit()? && b.bit()? {
        scaling_list_data(&mut b)?;
    }
    b.skip(2)?; // amp_enabled_flag, sample_adaptive_offset_enabled_flag
    if b.bit()? {
        b.skip(8)?; // PCM bit depths
        b.ue()?;
        b.ue()?;
        b.skip(1)?;
    }
    let sets = b.ue()?;
    if sets > MAX_RPS {
        return None;
    }
    let mut deltas = Vec::with_capacity(sets as usize);
    for i in 0..sets {
        let previous = deltas.last().copied();
        deltas.push(short_term_rps(&mut b, i, previous)?);
    }
    if b.bit()? {
        let long_term = b.ue()?;
        if long_term > 32 {
            return None;
        }
        for _ in 0..long_term {
            b.skip(poc_lsb_bits + 1)?;
        }
    }
    b.skip(2)?; // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
    let (rate, field_pictures) = if b.bit().unwrap_or(false) {
        vui(&mut b).unwrap_or((None, false))
    } else {
        (None, false)
    };
    let width = width.checked_sub(unit_x * crop_x)?;
    let height = height.checked_sub(unit_y * crop_y)?;
    Some(Picture {
        width: u32::try_from(width).ok()?,
        height: u32::try_from(height).ok()?,
        interlaced: field_pictures || (ptl.interlaced && !ptl.progressive),
        frame_rate: rate,
        profile: match ptl.profile {
            1 => "Main",
            2 => "Main 10",
            3 => "Main Still Picture",
            4 => "Range Extensions",
            _ => "other",
        },
        level: ptl.level as f32 / 30.0,
        bit_depth: u8::try_from(bit_depth).ok()?,
    })
}

/// What the SPS's profile_tier_level says that matters here.
struct Ptl {
    profile: u32,
    progressive: bool,
    interlaced: bool,
    level: u32,
}

fn profile_tier_level(b: &mut Bits<'_>, sub_layers: u32) -> Option<Ptl> {
    b.skip(3)?; // general_profile_space, general_tier_flag
    let profile = b.bits(5)?;
    b.skip(32)?; // compatibility flags
    let progressive = b.bit()?;
    let interlaced = b.bit()?;
    b.skip(2 + 43 + 1)?;
    let level = b.bits(8)?;
    let mut present = Vec::with_capacity(sub_layers as usize);
    for _ in 0..sub_layers {
        present.push((b.bit()?, b.bit()?));
    }
    if sub_layers > 0 {
        b.skip(2 * (8 - sub_layers))?;
    }
    for (profile_present, level_present) in present {
        if profile_present {
            b.skip(88)?;
        }
        if level_present {
            b.skip(8)?;
        }
    }
    Some(Ptl {
        profile,
        progressive,
        interlaced,
        level,
    })
}

fn scaling_list_data(b: &mut Bits<'_>) -> Option<()> {
    for size in 0..4u32 {
        let step = if size == 3 { 3 } else { 1 };
        for _ in (0..6).step_by(step) {
            if !b.bit()? {
                b.ue()?; // scaling_list_pred_matrix_id_delta
                continue;
            }
            let coefs = 64.min(1 << (4 + (size << 1)));
            if size > 1 {
                b.se()?; // dc coefficient
            }
            for _ in 0..coefs {
                b.se()?;
            }
        }
    }
    Some(())
}

/// Reads short-term reference picture set `index`; its number of delta
/// POCs (what a set predicted from it needs). `previous`: the number of
/// the set before it.
fn short_term_rps(b: &mut Bits<'_>, index: u32, previous: Option<u32>) -> Option<u32> {
    let predicted = index != 0 && b.bit()?;
    if predicted {
        let reference = previous?;
        b.skip(1)?; // delta_rps_sign
        b.ue()?; // abs_delta_rps_minus1
        let mut count = 0;
        for _ in 0..=reference {
            let used = b.bit()?;
            if used || b.bit()? {
                count += 1;
            }
        }
        return Some(count);
    }
    let negative = b.ue()?;
    let positive = b.ue()?;
    if negative > 16 || positive > 16 {
        return None;
    }
    for _ in 0..negative + positive {
        b.ue()?;
        b.skip(1)?;
    }
    Some(negative + positive)
}

/// The VUI's frame rate and whether its pictures are fields.
fn vui(b: &mut Bits<'_>) -> Option<(Option<Rate>, bool)> {
    if b.bit()? && b.bits(8)? == 255 {
        b.skip(32)?;
    }
    if b.bit()? {
        b.skip(1)?;
    }
    if b.bit()? {
        b.skip(4)?;
        if b.bit()? {
            b.skip(24)?;
        }
    }
    if b.bit()? {
        b.ue()?;
        b.ue()?;
    }
    b.skip(1)?; // neutral_chroma_indication_flag
    let field_pictures = b.bit()?;
    b.skip(1)?; // frame_field_info_present_flag
    if b.bit()? {
        for _ in 0..4 {
            b.ue()?; // default display window
        }
    }
    if !b.bit()? {
        return Some((None, field_pictures));
    }
    let units = b.bits(32)?;
    let scale = b.bits(32)?;
    // Field pictures: two make a frame.
    let units = if field_pictures {
        units.checked_mul(2)?
    } else {
        units
    };
    Some((Rate::new(scale, units), field_pictures))
}
