package jujutest

import (
	"context"
	"fmt"
)

// AddCloudOptions are the options of AddCloud. One of Client and
// Controller must be set, and exactly one of Definition and File.
type AddCloudOptions struct {
	// Definition is the clouds.yaml content, such as
	// {"clouds": {"mycloud": {"type": "lxd", ...}}}, written to a
	// temporary YAML file.
	Definition map[string]any
	// File is an existing cloud definition file.
	File string
	// Client adds the cloud to this client's cloud list (--client).
	Client bool
	// Controller adds the cloud to this controller (--controller).
	Controller string
	// Credential is the credential to use with the new cloud on the
	// controller (--credential).
	Credential string
	// Force adds the cloud even if it is of an unexpected type (--force).
	Force bool
	// TargetController is a JAAS-managed controller to add the cloud to
	// (--target-controller).
	TargetController string
}

// AddCloud runs "juju add-cloud" for cloud.
func (j *Juju) AddCloud(ctx context.Context, cloud string, opts *AddCloudOptions) error {
	if opts == nil {
		opts = &AddCloudOptions{}
	}
	if err := checkCloudArgs("add-cloud", cloud, opts.Client, opts.Controller); err != nil {
		return err
	}
	files := j.tempFiles()
	defer files.cleanup()
	path, err := yamlFileArg(files, "add-cloud", "cloud.yaml", opts.Definition, opts.File)
	if err != nil {
		return err
	}
	a := argList{"add-cloud", cloud}
	a.boolean("--client", opts.Client)
	a.str("--controller", opts.Controller)
	a.str("--credential", opts.Credential)
	a.boolean("--force", opts.Force)
	a.str("--target-controller", opts.TargetController)
	a.add("--file", path)
	_, err = j.run(ctx, call{args: a, noModel: true})
	return err
}

// UpdateCloudOptions are the options of UpdateCloud. One of Client and
// Controller must be set, and exactly one of Definition and File.
type UpdateCloudOptions struct {
	// Definition is the clouds.yaml content, written to a temporary YAML
	// file.
	Definition map[string]any
	// File is an existing cloud definition file.
	File string
	// Client updates this client's copy (--client).
	Client bool
	// Controller updates the controller's copy (--controller).
	Controller string
}

// UpdateCloud runs "juju update-cloud" for cloud.
func (j *Juju) UpdateCloud(ctx context.Context, cloud string, opts *UpdateCloudOptions) error {
	if opts == nil {
		opts = &UpdateCloudOptions{}
	}
	if err := checkCloudArgs("update-cloud", cloud, opts.Client, opts.Controller); err != nil {
		return err
	}
	files := j.tempFiles()
	defer files.cleanup()
	path, err := yamlFileArg(files, "update-cloud", "cloud.yaml", opts.Definition, opts.File)
	if err != nil {
		return err
	}
	a := argList{"update-cloud", cloud}
	a.boolean("--client", opts.Client)
	a.str("--controller", opts.Controller)
	a.add("-f", path)
	_, err = j.run(ctx, call{args: a, noModel: true})
	return err
}

// AddCredentialOptions are the options of AddCredential. One of Client
// and Controller must be set, and exactly one of Credential and File.
type AddCredentialOptions struct {
	// Credential is the credentials.yaml content, such as
	// {"credentials": {"mycloud": {"mycred": {"auth-type": ...}}}},
	// written to a temporary YAML file.
	Credential map[string]any
	// File is an existing credentials file.
	File string
	// Client adds the credential to this client (--client).
	Client bool
	// Controller uploads the credential to this controller (--controller).
	Controller string
	// Region is the cloud region the credential is for (--region).
	Region string
}

// AddCredential runs "juju add-credential" for cloud.
func (j *Juju) AddCredential(ctx context.Context, cloud string, opts *AddCredentialOptions) error {
	if opts == nil {
		opts = &AddCredentialOptions{}
	}
	if err := checkCloudArgs("add-credential", cloud, opts.Client, opts.Controller); err != nil {
		return err
	}
	files := j.tempFiles()
	defer files.cleanup()
	path, err := yamlFileArg(files, "add-credential", "credential.yaml", opts.Credential, opts.File)
	if err != nil {
		return err
	}
	a := argList{"add-credential", cloud}
	a.boolean("--client", opts.Client)
	a.str("--controller", opts.Controller)
	a.str("--region", opts.Region)
	a.add("--file", path)
	_, err = j.run(ctx, call{args: a, noModel: true})
	return err
}

// checkCloudArgs checks what every cloud command needs. Without --client
// or --controller, Juju would prompt for which copy to change.
func checkCloudArgs(command, cloud string, client bool, controller string) error {
	if err := required(command, "cloud", cloud); err != nil {
		return err
	}
	if !client && controller == "" {
		return fmt.Errorf("juju %s %s: set Client, Controller or both; otherwise juju prompts for which to change", command, cloud)
	}
	return nil
}

// yamlFileArg returns the file to pass: def written as YAML, or file
// staged where the CLI can read it. Exactly one must be given.
func yamlFileArg(files *tempFiles, command, name string, def map[string]any, file string) (string, error) {
	switch {
	case def != nil && file != "":
		return "", fmt.Errorf("juju %s: give a definition or a file, not both", command)
	case def != nil:
		p, err := files.writeYAML(name, def)
		if err != nil {
			return "", fmt.Errorf("juju %s: %w", command, err)
		}
		return p, nil
	case file != "":
		p, err := files.stage(file)
		if err != nil {
			return "", fmt.Errorf("juju %s: %w", command, err)
		}
		return p, nil
	default:
		return "", fmt.Errorf("juju %s: no definition; set the map or File", command)
	}
}
