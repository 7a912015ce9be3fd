//! `container_images`: where a deployment's container images come from. An environment file
//! whose `parameter_defaults` hold `ContainerImagePrepare` (whatever its name) becomes its
//! absolute path; the file `openstack tripleo container image prepare default
//! --local-push-destination` writes when the scripts run (dcnc's `prepare`) the default. A
//! deployment with neither pulled every image from the public registry: dcnc's default differs
//! (reported, and marked in `--diff`).

use super::{loc_of, Mapper, Stack};
use crate::diag::Code;
use crate::import::deployment::{prepared_images, Res};
use crate::import::report::{Change, Item, OnPurpose, Section};
use crate::import::source::Loc;
use crate::import::spec_out::{Doc, MapBuilder};

/// Where one stack's ContainerImagePrepare comes from.
#[derive(Clone, Debug, PartialEq)]
enum Images {
    /// A file of the directory, by its absolute path on the undercloud.
    File(String),
    /// Written by `container image prepare default` (with `--local-push-destination`?).
    Prepared(bool),
    /// Set another way (a file kept whole, a pass-through parameter): left where it is.
    Other,
    /// Not set: the client's defaults from the public registry.
    None,
}

impl Mapper<'_> {
    /// `container_images` (top level): central's, every other stack's compared with it.
    pub(super) fn container_images(&mut self, stacks: &mut [Stack], top: &mut MapBuilder) {
        let mut first: Option<(Images, Option<Loc>)> = None;
        for s in stacks.iter_mut() {
            let (images, at) = self.images_of(s);
            if matches!(images, Images::File(_) | Images::Prepared(true)) {
                s.claimed.insert("ContainerImagePrepare".into());
            }
            match &first {
                None => first = Some((images, at)),
                Some((f, _)) if *f != images => {
                    self.report.add(
                        Section::Refused,
                        Item::opt(at.or(Some(s.loc)), format!("{}: its container images come from elsewhere than central's", s.name))
                            .detail("the spec has one `container_images` for every stack: central's is imported"),
                    );
                }
                Some(_) => {}
            }
        }
        let Some((images, at)) = first else { return };
        let central = stacks[0].name.clone();
        match images {
            Images::File(path) => {
                top.field("container_images", Doc::str(path, at));
            }
            Images::Prepared(true) | Images::Other => {}
            Images::Prepared(false) => {
                self.report.add(
                    Section::Differs,
                    Item::opt(at, format!("{central}: `container image prepare default` without --local-push-destination"))
                        .detail("dcnc's `container_images: prepare` passes --local-push-destination: the control plane's deploy copies the images into the undercloud's registry and every node, edges included, pulls them from there"),
                );
            }
            Images::None => {
                let why = "the original passes no ContainerImagePrepare, so python-tripleoclient fills in tripleo-common's defaults without a push destination (python-tripleoclient 16.5.0 v1/overcloud_deploy.py:261-283; 13.7.0 through tripleo-common 12.7.0 utils/plan.py:298-324) and every node, edges across the WAN included, pulls from the public registry; dcnc's default (`container_images: prepare`) writes the release's defaults with --local-push-destination and every node pulls from the undercloud's registry (`container_images: <file>` chooses the images)";
                for s in stacks.iter() {
                    self.report.on_purpose(OnPurpose {
                        stack: s.name.clone(),
                        param: "ContainerImagePrepare".into(),
                        change: Change::Value {
                            original: None,
                            dcnc: prepared_images(true),
                        },
                        why: why.to_string(),
                        code: Code::DiffersOnPurpose,
                        loc: Some(s.last.loc),
                    });
                }
            }
        }
    }

    /// Where a stack's deploy gets ContainerImagePrepare.
    fn images_of(&self, s: &Stack) -> (Images, Option<Loc>) {
        let Some(set) = s.get("ContainerImagePrepare") else {
            return (Images::None, None);
        };
        let at = loc_of(&set.origin);
        for e in s.last.envs.iter().rev() {
            match &e.res {
                Res::File(id) => {
                    let holds = (self.read.envs.get(id)).is_some_and(|env| {
                        env.params.iter().any(|p| p.key == "ContainerImagePrepare")
                    });
                    if holds && at.is_some_and(|l| l.file == *id) {
                        return (Images::File(e.abs.clone()), Some(e.loc));
                    }
                }
                Res::Provisioned => {
                    if let Some((l, push)) = self.read.container_prepare(&e.abs) {
                        return (Images::Prepared(push), Some(l));
                    }
                }
                _ => {}
            }
        }
        (Images::Other, at)
    }
}
