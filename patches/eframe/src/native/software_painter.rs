//! tcptalk patch: a painter that draws egui's meshes on the CPU with `egui_software_backend` and
//! shows them with `softbuffer` (X11 shared memory, Wayland shm buffers, GDI, CoreGraphics).
//!
//! Its methods mirror `egui_wgpu::winit::Painter`, so `software_integration` can follow
//! `wgpu_integration` line by line. No OpenGL or Vulkan library is ever loaded: where the only
//! driver is Mesa's llvmpipe (a VM, a remote desktop, Xvfb) that saves the ~70 MB of LLVM and
//! driver code an idle GL window keeps resident.
//!
//! Every viewport has its own rasterizer, because the rasterizer keeps a canvas of the viewport's
//! size and a cache of what it drew there. Textures belong to the egui context, not to a
//! viewport: a font-atlas update produced while one window runs its UI is needed by all of them.
//! So each delta goes to every viewport's rasterizer, and a copy of every texture is kept here
//! to give a viewport that opens later what it missed.

use std::{num::NonZeroU32, sync::Arc};

use ahash::HashMap;
use egui::{
    ColorImage, ImageData, ScreenshotCallback, TextureId, TextureOptions, TexturesDelta,
    ViewportId, ViewportIdSet, epaint::ImageDelta,
};
use egui_software_backend::{BufferMutRef, ColorFieldOrder, EguiSoftwareRender};
use winit::{event_loop::OwnedDisplayHandle, window::Window};

/// egui's own default; the rasterizer has no limit of its own.
const MAX_TEXTURE_SIDE: usize = 8192;

type Surface = softbuffer::Surface<OwnedDisplayHandle, Arc<Window>>;

pub type Error = softbuffer::SoftBufferError;

struct Target {
    surface: Surface,
    renderer: EguiSoftwareRender,
    /// Texture changes made while other viewports painted, applied before this one's next frame.
    missed: TexturesDelta,
    size: Option<(NonZeroU32, NonZeroU32)>,
}

pub struct Painter {
    context: softbuffer::Context<OwnedDisplayHandle>,
    targets: HashMap<ViewportId, Target>,
    /// The whole of every live texture, for viewports that are created later.
    textures: HashMap<TextureId, (Arc<ColorImage>, TextureOptions)>,
}

impl Painter {
    pub fn new(display: OwnedDisplayHandle) -> Result<Self, Error> {
        Ok(Self {
            context: softbuffer::Context::new(display)?,
            targets: HashMap::default(),
            textures: HashMap::default(),
        })
    }

    pub fn max_texture_side(&self) -> Option<usize> {
        Some(MAX_TEXTURE_SIDE)
    }

    /// Gives `viewport_id` a surface on `window`, or drops its surface with `None`.
    pub fn set_window(
        &mut self,
        viewport_id: ViewportId,
        window: Option<Arc<Window>>,
    ) -> Result<(), Error> {
        let Some(window) = window else {
            self.targets.remove(&viewport_id);
            return Ok(());
        };
        if let Some(target) = self.targets.get(&viewport_id)
            && target.surface.window().id() == window.id()
        {
            return Ok(());
        }
        let surface = Surface::new(&self.context, window)?;
        let mut missed = TexturesDelta::default();
        for (id, (image, options)) in &self.textures {
            missed.push(*id, ImageDelta::full(Arc::clone(image), *options));
        }
        self.targets.insert(
            viewport_id,
            Target {
                surface,
                // softbuffer's pixels are 0x00RRGGBB words: B, G, R, X in memory.
                renderer: EguiSoftwareRender::new(ColorFieldOrder::Bgra),
                missed,
                size: None,
            },
        );
        Ok(())
    }

    pub fn on_window_resize_state_change(&mut self, _viewport_id: ViewportId, _resizing: bool) {}

    /// The surface is sized to the window at each paint; nothing to do until then.
    pub fn on_window_resized(
        &mut self,
        _viewport_id: ViewportId,
        _width: NonZeroU32,
        _height: NonZeroU32,
    ) {
    }

    /// Paints one frame of `viewport_id` and returns the time spent waiting for the display
    /// (none: presenting copies the pixels and returns).
    #[expect(clippy::too_many_arguments)]
    pub fn paint_and_update_textures(
        &mut self,
        viewport_id: ViewportId,
        pixels_per_point: f32,
        clear_color: [f32; 4],
        clipped_primitives: &[egui::ClippedPrimitive],
        textures_delta: &mut TexturesDelta,
        screenshots: Vec<ScreenshotCallback>,
        window: &Arc<Window>,
    ) -> f32 {
        let delta = std::mem::take(textures_delta);
        self.remember_textures(&delta);
        for (id, target) in &mut self.targets {
            if *id != viewport_id {
                target.missed.append(delta.clone());
            }
        }
        let Some(target) = self.targets.get_mut(&viewport_id) else {
            log::warn!("software painter: no surface for viewport {viewport_id:?}");
            return 0.0;
        };
        let mut delta_now = std::mem::take(&mut target.missed);
        delta_now.append(delta);
        if let Err(err) = target.paint(
            window,
            pixels_per_point,
            clear_color,
            clipped_primitives,
            &delta_now,
            screenshots,
        ) {
            log::error!("software painter: {err}");
        }
        // The rasterizer has taken in every change; epaint checks that none is dropped unseen.
        delta_now.clear();
        0.0
    }

    fn remember_textures(&mut self, delta: &TexturesDelta) {
        for (id, deltas) in &delta.set {
            for delta in deltas {
                let ImageData::Color(image) = &delta.image;
                match delta.pos {
                    None => {
                        self.textures
                            .insert(*id, (Arc::clone(image), delta.options));
                    }
                    Some(pos) => {
                        if let Some((whole, _)) = self.textures.get_mut(id) {
                            patch_image(Arc::make_mut(whole), image, pos);
                        }
                    }
                }
            }
        }
        for id in &delta.free {
            self.textures.remove(id);
        }
    }

    pub fn gc_viewports(&mut self, active_viewports: &ViewportIdSet) {
        self.targets.retain(|id, _| active_viewports.contains(id));
    }

    pub fn destroy(&mut self) {
        self.targets.clear();
        self.textures.clear();
    }
}

impl Drop for Target {
    /// A closed viewport's pending texture changes are moot: epaint checks that a dropped
    /// delta was applied or cleared on purpose.
    fn drop(&mut self) {
        self.missed.clear();
    }
}

impl Target {
    fn paint(
        &mut self,
        window: &Window,
        pixels_per_point: f32,
        clear_color: [f32; 4],
        clipped_primitives: &[egui::ClippedPrimitive],
        delta: &TexturesDelta,
        screenshots: Vec<ScreenshotCallback>,
    ) -> Result<(), Error> {
        let inner = window.inner_size();
        let (Some(width), Some(height)) =
            (NonZeroU32::new(inner.width), NonZeroU32::new(inner.height))
        else {
            // Minimized: nothing to show. Textures still have to be taken in.
            self.missed.append(delta.clone());
            return Ok(());
        };
        if self.size != Some((width, height)) {
            self.surface.resize(width, height)?;
            self.size = Some((width, height));
        }
        let mut buffer = self.surface.buffer_mut()?;
        buffer.fill(pixel_of(clear_color));
        let (w, h) = (width.get() as usize, height.get() as usize);
        {
            let pixels: &mut [[u8; 4]] = bytemuck::cast_slice_mut(&mut buffer);
            let mut target = BufferMutRef::new(pixels, w, h);
            self.renderer
                .render(&mut target, clipped_primitives, delta, pixels_per_point);
        }
        if !screenshots.is_empty() {
            let image = Arc::new(ColorImage::from_rgba_unmultiplied(
                [w, h],
                &buffer
                    .iter()
                    .flat_map(|pixel| {
                        let [b, g, r, _] = pixel.to_le_bytes();
                        [r, g, b, 255]
                    })
                    .collect::<Vec<u8>>(),
            ));
            for screenshot in screenshots {
                screenshot.complete(Arc::clone(&image));
            }
        }
        window.pre_present_notify();
        buffer.present()
    }
}

/// The clear color (gamma-space, 0..1) as a softbuffer pixel, 0x00RRGGBB.
fn pixel_of(color: [f32; 4]) -> u32 {
    let [r, g, b, _] = color.map(|channel| (channel.clamp(0.0, 1.0) * 255.0).round() as u32);
    (r << 16) | (g << 8) | b
}

/// Writes `patch` into `whole` at `pos`, as a partial texture update does.
fn patch_image(whole: &mut ColorImage, patch: &ColorImage, pos: [usize; 2]) {
    let [width, height] = whole.size;
    for (row, line) in patch.pixels.chunks(patch.size[0].max(1)).enumerate() {
        let y = pos[1] + row;
        if y >= height || pos[0] >= width {
            break;
        }
        let start = y * width + pos[0];
        let len = line.len().min(width - pos[0]);
        whole.pixels[start..start + len].copy_from_slice(&line[..len]);
    }
}
