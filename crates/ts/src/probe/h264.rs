//! The H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1 and Annex E):
//! the coded size less its cropping, whether pictures may be fields
//! (`frame_mbs_only_flag` 0: interlaced), and the frame rate when the VUI
//! carries timing.

use super::bits::Bits;
use super::{Picture, Rate};

/// Profiles whose SPS carries chroma format, bit depths and scaling lists.
const HIGH_PROFILES: [u32; 13] = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

/// Reads an SPS NAL unit (`nal` starts at its one-byte NAL header).
pub(crate) fn sps(nal: &[u8]) -> Option<Picture> {
    if nal.first()? & 0x1F != 7 {
        return None;
    }
    let mut b = Bits::new(&nal[1..]);
    let profile = b.bits(8)?;
    b.skip(8)?; // constraint flags, reserved
    let level = b.bits(8)?;
    b.ue()?; // seq_parameter_set_id
    let mut chroma_format = 1;
    let mut bit_depth = 8;
    if HIGH_PROFILES.contains(&profile) {
        chroma_format = b.ue()?;
        if chroma_format == 3 {
            b.skip(1)?; // separate_colour_plane_flag
        }
        bit_depth = b.ue()?.checked_add(8)?; // luma
        b.ue()?; // chroma bit depth
        b.skip(1)?; // qpprime_y_zero_transform_bypass_flag
        if b.bit()? {
            let lists = if chroma_format == 3 { 12 } else { 8 };
            for i in 0..lists {
                if b.bit()? {
                    scaling_list(&mut b, if i < 6 { 16 } else { 64 })?;
                }
            }
        }
    }
    b.ue()?; // log2_max_frame_num_minus4
    match b.ue()? {
        0 => {
            b.ue()?; // log2_max_pic_order_cnt_lsb_minus4
        }
        1 => {
            b.skip(1)?;
            b.se()?;
            b.se()?;
            let cycle = b.ue()?;
            if cycle > 255 {
                return None;
            }
            for _ in 0..cycle {
                b.se()?;
            }
        }
        _ => {}
    }
    b.ue()?; // max_num_ref_frames
    b.skip(1)?; // gaps_in_frame_num_value_allowed_flag
    let width_mbs = u64::from(b.ue()?) + 1;
    let height_units = u64::from(b.ue()?) + 1;
    let frame_mbs_only = b.bit()?;
    if !frame_mbs_only {
        b.skip(1)?; // mb_adaptive_frame_field_flag
    }
    b.skip(1)?; // direct_8x8_inference_flag
    let (mut crop_x, mut crop_y) = (0u64, 0u64);
    if b.bit()? {
        let (left, right, top, bottom) = (b.ue()?, b.ue()?, b.ue()?, b.ue()?);
        crop_x = u64::from(left) + u64::from(right);
        crop_y = u64::from(top) + u64::from(bottom);
    }
    let field_factor = if frame_mbs_only { 1 } else { 2 };
    // Crop units (Table 6-1): chroma subsampling, times two for field pairs.
    let (unit_x, unit_y) = match chroma_format {
        0 => (1, field_factor),
        1 => (2, 2 * field_factor),
        2 => (2, field_factor),
        _ => (1, field_factor),
    };
    let width = (width_mbs * 16).checked_sub(unit_x * crop_x)?;
    let height = (field_factor * height_units * 16).checked_sub(unit_y * crop_y)?;
    let rate = if b.bit().unwrap_or(false) {
        vui_rate(&mut b)
    } else {
        None
    };
    Some(Picture {
        width: u32::try_from(width).ok()?,
        height: u32::try_from(height).ok()?,
        interlaced: !frame_mbs_only,
        frame_rate: rate,
        profile: h264_profile(profile),
        level: level as f32 / 10.0,
        bit_depth: u8::try_from(bit_depth).ok()?,
    })
}

fn scaling_list(b: &mut Bits<'_>, size: usize) -> Option<()> {
    let (mut last, mut next) = (8i64, 8i64);
    for _ in 0..size {
        if next != 0 {
            next = (last + b.se()? + 256).rem_euclid(256);
        }
        if next != 0 {
            last = next;
        }
    }
    Some(())
}

/// The VUI's timing: frames per second as a fraction. H.264 counts the
/// tick in fields, so a frame is two ticks.
fn vui_rate(b: &mut Bits<'_>) -> Option<Rate> {
    if b.bit()? {
        // aspect_ratio_info: idc 255 is followed by an explicit SAR.
        if b.bits(8)? == 255 {
            b.skip(32)?;
        }
    }
    if b.bit()? {
        b.skip(1)?; // overscan_appropriate_flag
    }
    if b.bit()? {
        b.skip(4)?; // video_format, video_full_range_flag
        if b.bit()? {
            b.skip(24)?; // colour primaries, transfer, matrix
        }
    }
    if b.bit()? {
        b.ue()?; // chroma_sample_loc_type top and bottom
        b.ue()?;
    }
    if !b.bit()? {
        return None;
    }
    let units = b.bits(32)?;
    let scale = b.bits(32)?;
    Rate::new(scale, units.checked_mul(2)?)
}

fn h264_profile(idc: u32) -> &'static str {
    match idc {
        66 => "Baseline",
        77 => "Main",
        88 => "Extended",
        100 => "High",
        110 => "High 10",
        122 => "High 4:2:2",
        244 => "High 4:4:4",
        _ => "other",
    }
}
